package dev.relay.simulator;

import java.util.concurrent.atomic.LongAdder;

/** Counters of {@code GET /simulator/stats}; LongAdder because every provider call touches them. */
final class SimulatorStats {

  private final LongAdder accepted = new LongAdder();
  private final LongAdder rejected5xx = new LongAdder();
  private final LongAdder rejected429 = new LongAdder();
  private final LongAdder callbacksSent = new LongAdder();
  private final LongAdder callbacksFailed = new LongAdder();
  private final LongAdder dropped = new LongAdder();

  void accepted() {
    accepted.increment();
  }

  void rejected5xx() {
    rejected5xx.increment();
  }

  void rejected429() {
    rejected429.increment();
  }

  /** A callback answered 2xx. */
  void callbackSent() {
    callbacksSent.increment();
  }

  /** A callback given up after its last attempt. */
  void callbackFailed() {
    callbacksFailed.increment();
  }

  /** An accepted request whose callbacks were all dropped. */
  void dropped() {
    dropped.increment();
  }

  Snapshot snapshot() {
    return new Snapshot(
        accepted.sum(),
        rejected5xx.sum(),
        rejected429.sum(),
        callbacksSent.sum(),
        callbacksFailed.sum(),
        dropped.sum());
  }

  record Snapshot(
      long accepted,
      long rejected5xx,
      long rejected429,
      long callbacksSent,
      long callbacksFailed,
      long dropped) {}
}
