package dev.relay.support;

import dev.relay.channel.AckGateSetting;
import dev.relay.channel.AckGates;
import dev.relay.channel.ChannelPolicies;
import dev.relay.channel.RelayChannelsProperties;
import dev.relay.channel.RelayChannelsProperties.Channel;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** The real {@link ChannelPolicies} of one channel, for tests that run without Spring. */
public final class TestPolicies {

  private TestPolicies() {}

  public static ChannelPolicies of(
      String channel,
      Duration ackGateTimeout,
      List<Duration> resendDelays,
      int maxAttempts,
      List<Duration> dispatchRetryDelays) {
    RelayChannelsProperties properties =
        new RelayChannelsProperties(
            Map.of(
                channel,
                new Channel(
                    "http://provider.invalid",
                    "token",
                    "secret",
                    AckGateSetting.fixed(ackGateTimeout),
                    Duration.ofMillis(100),
                    Duration.ofSeconds(2),
                    resendDelays,
                    maxAttempts,
                    null)),
            dispatchRetryDelays,
            Duration.ofSeconds(10),
            32);
    return new ChannelPolicies(properties, new AckGates(properties));
  }
}
