package dev.relay.channel;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;

/**
 * The learned ACK gate of a channel, from the ACK delays of its recent slices (every node's, as
 * shared in the database): the 99th percentile of the last 5 minutes. Pure, so every node that
 * reads the same slices learns the same gate.
 *
 * <ul>
 *   <li>p99: a gate shorter than an ACK that was coming sends the next message ahead of it (out
 *       of order at the person's phone), a longer one only costs time on an ACK that never comes;
 *       so wait for all but the slowest 1 % of the ACKs that do come.
 *   <li>5 minutes: at the rates rooms see, thousands of samples (p99 is not the one slowest), and a
 *       slowdown shows within seconds: as soon as 1 % of the window's ACKs are slow, the gate
 *       follows. A speed-up lowers it only as the slow ACKs age out, at most 5 minutes later.
 *   <li>At least {@value #MIN_SAMPLES} ACKs: a quieter channel looks further back for them, up to
 *       an hour; with fewer there is nothing learned, and the gate is the channel's maximum.
 *   <li>Only ACKs that come are samples: a dropped one is no delay. A provider that stops ACKing
 *       leaves the gate where the last ACKs put it, not at the maximum.
 * </ul>
 */
final class AckGateEstimator {

  static final double QUANTILE = 0.99;
  static final Duration WINDOW = Duration.ofMinutes(5);
  static final Duration MEMORY = Duration.ofHours(1);
  static final long MIN_SAMPLES = 100;
  /** Samples are counted and shared by slices of this length. */
  static final Duration SLICE = Duration.ofSeconds(5);

  private AckGateEstimator() {}

  static Instant sliceOf(Instant at) {
    long millis = SLICE.toMillis();
    return Instant.ofEpochMilli(Math.floorDiv(at.toEpochMilli(), millis) * millis);
  }

  /**
   * @param slices ACK delays by the start of the slice they came in
   * @return the p99 of the window (or of the newest {@value #MIN_SAMPLES} within the memory);
   *     empty when there are not that many
   */
  static Optional<Duration> learned(NavigableMap<Instant, DelayHistogram> slices, Instant now) {
    Instant windowStart = now.minus(WINDOW);
    Instant memoryStart = now.minus(MEMORY);
    DelayHistogram recent = new DelayHistogram();
    for (Map.Entry<Instant, DelayHistogram> slice : slices.descendingMap().entrySet()) {
      boolean inWindow = !slice.getKey().isBefore(windowStart);
      boolean tooFew = recent.total() < MIN_SAMPLES && !slice.getKey().isBefore(memoryStart);
      if (!inWindow && !tooFew) {
        break;
      }
      recent.addAll(slice.getValue());
    }
    return recent.total() < MIN_SAMPLES
        ? Optional.empty()
        : Optional.of(recent.quantile(QUANTILE));
  }

  /** The learned gate within the channel's bounds; its maximum while nothing is learned. */
  static Duration gate(Optional<Duration> learned, Duration min, Duration max) {
    return learned
        .map(d -> d.compareTo(min) < 0 ? min : d.compareTo(max) > 0 ? max : d)
        .orElse(max);
  }
}
