package dev.relay.delivery;

import dev.relay.jdbc.AfterCommit;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import org.springframework.stereotype.Component;

/**
 * What became of the messages, per channel, counted once the step has committed: dispatches
 * (first attempt or resend), provider errors, the outcomes, and how long ACKs take. The steps off
 * the happy path are counted by the timeline ({@code relay.messages.events}).
 */
@Component
class DeliveryMetrics {

  private final MeterRegistry meters;

  DeliveryMetrics(MeterRegistry meters) {
    this.meters = meters;
  }

  void dispatched(String channel, int attempt) {
    String kind = attempt == 1 ? "first" : "resend";
    AfterCommit.run(() ->
        meters.counter("relay.messages.dispatched", "channel", channel, "attempt", kind).increment());
  }

  /**
   * A message's first provider call came {@code wait} after its room gave it its turn: right after
   * the previous message's ACK (so this is the ACK → next dispatch time), its gate timeout, or the
   * intake into an idle room.
   */
  void firstDispatchAfterTurn(String channel, Duration wait) {
    recordOnceCommitted(
        "relay.turn.dispatch", "from a message's turn in its room to its first provider call",
        channel, Duration.ofMillis(1), Duration.ofSeconds(30), wait);
  }

  /** A provider call that failed: transient (tried again) or rejected (the message failed). */
  void providerError(String channel, String kind) {
    meters.counter("relay.provider.errors", "channel", channel, "kind", kind).increment();
  }

  void statusChanged(String channel, MessageStatus status) {
    AfterCommit.run(() ->
        meters.counter("relay.messages.outcome", "channel", channel, "status", status.name()).increment());
  }

  /** The ACK of a first attempt came {@code delay} after the dispatch. */
  void acknowledged(String channel, Duration delay) {
    // from a fast ACK to the longest gate and beyond: some 40 buckets, not 70
    recordOnceCommitted(
        "relay.ack.delay", "from the dispatch to its delivery ACK",
        channel, Duration.ofMillis(10), Duration.ofMinutes(1), delay);
  }

  /** A per-channel histogram between the two bounds; a negative time (clock skew) counts as 0. */
  private void recordOnceCommitted(String name, String description, String channel,
      Duration smallest, Duration largest, Duration time) {
    AfterCommit.run(() ->
        Timer.builder(name)
            .description(description)
            .tag("channel", channel)
            .publishPercentileHistogram()
            .minimumExpectedValue(smallest)
            .maximumExpectedValue(largest)
            .register(meters)
            .record(time.isNegative() ? Duration.ZERO : time));
  }
}
