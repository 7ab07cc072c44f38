package dev.relay.room;

/** {@link RoomScenarios} on the embedded H2 database. */
class RoomH2IT extends RoomScenarios {}
