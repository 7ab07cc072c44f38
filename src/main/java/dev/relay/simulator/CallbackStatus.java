package dev.relay.simulator;

import java.util.Locale;

/** The statuses the simulator reports; {@code failed} (API.md §4) is never simulated. */
enum CallbackStatus {
  SENT,
  DELIVERED,
  READ;

  /** {@code delivered}, or {@code read} which implies it: the delivery ACK of API.md §4. */
  boolean isAck() {
    return this != SENT;
  }

  /** As written in the callback JSON. */
  String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
