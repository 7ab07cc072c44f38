package dev.relay.simulator;

import java.time.Instant;

/**
 * Sees what the simulated provider does, for tools built on the simulator: every bean of this type
 * in the simulator's context is told (the benchmark records its figures this way, in its own
 * sources). Called on the provider call's or the callback's thread: be quick, never block.
 */
public interface SimulatorListener {

  /**
   * A provider request was accepted (resends included).
   *
   * @param to the recipient, whose inbox the entry went to
   */
  default void accepted(String to, InboxEntry entry) {}

  /**
   * Relay answered 2xx to an ACK callback ({@code delivered} or {@code read}) of this entry.
   *
   * @param sentAt when the attempt that Relay answered was sent
   * @param answeredAt when its answer arrived
   */
  default void acknowledged(InboxEntry entry, Instant sentAt, Instant answeredAt) {}

  /** {@code DELETE /simulator/inbox} forgot every inbox and every Idempotency-Key. */
  default void inboxCleared() {}
}
