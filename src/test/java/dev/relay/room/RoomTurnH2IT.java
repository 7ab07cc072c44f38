package dev.relay.room;

/** {@link RoomTurnScenarios} on the embedded H2 database. */
class RoomTurnH2IT extends RoomTurnScenarios {}
