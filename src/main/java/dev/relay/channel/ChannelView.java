package dev.relay.channel;

import java.time.Instant;

/**
 * API.md §7's channel view.
 *
 * @param rateLimit provider calls per second across the cluster; null: unlimited
 * @param waiting messages whose next provider call the circuit or the rate limit holds back now
 * @param ackGate how long a room waits for this channel's ACK, in milliseconds
 */
record ChannelView(
    String name,
    Number rateLimit,
    Circuit circuit,
    Instant circuitSince,
    long waiting,
    long ackGate) {

  /** 20, not 20.0: the limit as the operator wrote it. */
  static Number plain(Double rateLimit) {
    if (rateLimit == null) {
      return null;
    }
    return rateLimit == Math.rint(rateLimit) && Math.abs(rateLimit) < 1e15
        ? (Number) rateLimit.longValue()
        : rateLimit;
  }
}
