package dev.relay.room;

/** API.md §2's room view. */
public record RoomView(
    String roomId, long lastSequence, String turnHolder, long waiting, long delivered) {}
