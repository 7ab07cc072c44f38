package dev.relay.channel;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.stereotype.Component;

/** Gauge {@code relay.ack.gate} (seconds, tag {@code channel}): the gate each channel's rooms use now. */
@Component
class AckGateMetrics {

  AckGateMetrics(ChannelPolicies policies, MeterRegistry registry) {
    for (String channel : policies.names()) {
      Gauge.builder("relay.ack.gate", policies, p -> p.ackGate(channel).toNanos() / 1e9)
          .tag("channel", channel)
          .baseUnit("seconds")
          .description("how long a room waits for the channel's ACK before its next message goes")
          .register(registry);
    }
  }
}
