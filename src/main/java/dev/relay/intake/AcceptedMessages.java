package dev.relay.intake;

import io.micrometer.core.instrument.MeterRegistry;

/** {@code relay.messages.accepted}: new messages taken in, by channel and by way in. */
final class AcceptedMessages {

  private AcceptedMessages() {}

  static void count(MeterRegistry meters, String channel, String source) {
    meters.counter("relay.messages.accepted", "channel", channel, "source", source).increment();
  }
}
