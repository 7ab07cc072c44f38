package dev.relay.bench;

import java.util.function.IntFunction;

/**
 * Which room and message each intake request of the benchmark is. The recipient ({@code to}) of a
 * message is its room, so the simulator's per-recipient records are per room.
 */
final class Workload {

  /** Rooms of the measured load. */
  static final String LOAD_ROOMS = "room-";

  /** Rooms of the warm-up before the measured load. */
  static final String WARM_UP_ROOMS = "warm-";

  /** Rooms that stay open: the simulator never ACKs their recipients. */
  static final String OPEN_ROOMS = "open-";

  record Message(String roomId, String messageId) {}

  private Workload() {}

  /**
   * The measured load: room by room, each room gets {@code perRoom} messages in a row, then the
   * next room; after the last room, the first again. Messages in a row are what makes a room's
   * next message wait for the ACK of the one before.
   */
  static IntFunction<Message> load(int rooms, int perRoom) {
    return rows(LOAD_ROOMS, rooms, perRoom);
  }

  /** The warm-up: shaped like the load, in rooms of its own. */
  static IntFunction<Message> warmUp(int rooms, int perRoom) {
    return rows(WARM_UP_ROOMS, rooms, perRoom);
  }

  private static IntFunction<Message> rows(String prefix, int rooms, int perRoom) {
    return i -> {
      int row = i / perRoom;
      String roomId = prefix + row % rooms;
      long n = (long) (row / rooms) * perRoom + i % perRoom + 1;
      return new Message(roomId, roomId + "." + n);
    };
  }

  /** One message per open room. */
  static IntFunction<Message> open() {
    return i -> new Message(OPEN_ROOMS + i, OPEN_ROOMS + i + ".1");
  }
}
