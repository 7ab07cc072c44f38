package dev.relay.channel;

import static dev.relay.channel.Circuit.CLOSED;
import static dev.relay.channel.Circuit.HALF_OPEN;
import static dev.relay.channel.Circuit.OPEN;

import java.time.Duration;
import java.time.Instant;
import java.util.random.RandomGenerator;

/**
 * A channel's state shared by the cluster (one row of relay_channel) and the decisions taken on
 * it. Pure: {@link ChannelGuard} applies them under the row's lock; tests drive them with times of
 * their own.
 *
 * <p>The rate limit paces calls: one may start every {@code 1/rateLimit} seconds at the earliest
 * ({@code nextCallAt}, epoch ms), with no burst, so no one-second window ever holds more than
 * {@code rateLimit} calls. A slot nobody uses is lost: the limit is a ceiling.
 *
 * @param rateLimit provider calls per second; null: unlimited
 * @param nextCallAt epoch milliseconds before which no call may start
 * @param failures transient failures in a row (CLOSED)
 * @param trials trial calls let through in this HALF_OPEN round
 * @param trialSuccesses of those, the ones that succeeded
 */
record ChannelState(
    Double rateLimit,
    long nextCallAt,
    Circuit circuit,
    Instant circuitSince,
    int failures,
    int trials,
    int trialSuccesses) {

  static ChannelState initial(Double rateLimit, Instant now) {
    return new ChannelState(rateLimit, 0, CLOSED, now, 0, 0, 0);
  }

  /** Whether a call may go without asking the shared row: nothing limits it. */
  boolean isUnrestricted() {
    return circuit == CLOSED && rateLimit == null;
  }

  /**
   * May a call start now? If so, {@code next} records it (a trial taken, a paced slot used);
   * otherwise the state is unchanged and the call is held until a time spread at random, so that
   * held calls do not all come back at once: over {@code rampUp} after the circuit reopens, over
   * the slots the {@code backlog} of held calls needs under a rate limit.
   */
  Admission admit(
      Instant now, RelayCircuitProperties settings, long backlog, RandomGenerator random) {
    ChannelState next = this;
    if (circuit == OPEN) {
      Instant reopens = circuitSince.plus(settings.openFor());
      if (now.isBefore(reopens)) {
        return hold(spread(reopens, settings.rampUp(), random));
      }
      next = halfOpen(now);
    }
    if (next.circuit == HALF_OPEN) {
      if (next.trials >= settings.trialCalls()) {
        if (now.isBefore(next.circuitSince.plus(settings.openFor()))) {
          return hold(spread(now, settings.rampUp(), random)); // the trials are under way
        }
        next = next.halfOpen(now); // a trial never reported (its node died): a new round
      }
      next = next.withTrials(next.trials + 1);
    }
    if (rateLimit != null) {
      long interval = intervalMillis();
      if (now.toEpochMilli() < nextCallAt) {
        Duration slots = Duration.ofMillis(interval * Math.max(1, backlog));
        return hold(spread(Instant.ofEpochMilli(nextCallAt), slots, random));
      }
      next = next.withNextCallAt(now.toEpochMilli() + interval);
    }
    return new Admission(next, null);
  }

  /** The provider took a call (or refused it for good: it answered, so it is up). */
  ChannelState succeeded(Instant now, RelayCircuitProperties settings) {
    return switch (circuit) {
      case CLOSED -> failures == 0 ? this : withCircuit(CLOSED, circuitSince);
      case HALF_OPEN ->
          trialSuccesses + 1 >= settings.trialCalls()
              ? withCircuit(CLOSED, now)
              : new ChannelState(
                  rateLimit, nextCallAt, circuit, circuitSince, 0, trials, trialSuccesses + 1);
      case OPEN -> this; // a call let through before it opened
    };
  }

  /** A call failed as transient (5xx, 429, timeout, refused connection). */
  ChannelState failed(Instant now, RelayCircuitProperties settings) {
    return switch (circuit) {
      case CLOSED ->
          failures + 1 >= settings.failureThreshold()
              ? withCircuit(OPEN, now)
              : new ChannelState(rateLimit, nextCallAt, CLOSED, circuitSince, failures + 1, 0, 0);
      case HALF_OPEN -> withCircuit(OPEN, now);
      case OPEN -> this;
    };
  }

  ChannelState withRateLimit(Double limit) {
    return new ChannelState(
        limit, nextCallAt, circuit, circuitSince, failures, trials, trialSuccesses);
  }

  /** Rounded up: pacing never lets a call start early. */
  long intervalMillis() {
    return (long) Math.ceil(1000 / rateLimit);
  }

  private ChannelState halfOpen(Instant now) {
    return withCircuit(HALF_OPEN, now);
  }

  private ChannelState withCircuit(Circuit to, Instant since) {
    return new ChannelState(rateLimit, nextCallAt, to, since, 0, 0, 0);
  }

  private ChannelState withTrials(int taken) {
    return new ChannelState(
        rateLimit, nextCallAt, circuit, circuitSince, failures, taken, trialSuccesses);
  }

  private ChannelState withNextCallAt(long at) {
    return new ChannelState(rateLimit, at, circuit, circuitSince, failures, trials, trialSuccesses);
  }

  private Admission hold(Instant until) {
    return new Admission(this, until);
  }

  private static Instant spread(Instant from, Duration over, RandomGenerator random) {
    return from.plusMillis(random.nextLong(over.toMillis() + 1));
  }

  /** The answer to "may a call start now?": {@code holdUntil} null means yes. */
  record Admission(ChannelState next, Instant holdUntil) {

    boolean admitted() {
      return holdUntil == null;
    }
  }
}
