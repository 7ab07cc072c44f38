package dev.relay.support;

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
    return new ChannelPolicies(
        new RelayChannelsProperties(
            Map.of(
                channel,
                new Channel(
                    "http://provider.invalid",
                    "token",
                    "secret",
                    ackGateTimeout,
                    resendDelays,
                    maxAttempts,
                    null)),
            dispatchRetryDelays,
            Duration.ofSeconds(10)));
  }
}
