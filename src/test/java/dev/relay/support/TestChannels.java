package dev.relay.support;

import dev.relay.channel.AckGateSetting;
import dev.relay.channel.AckGates;
import dev.relay.channel.ChannelPolicies;
import dev.relay.channel.RelayChannelsProperties;
import dev.relay.channel.RelayChannelsProperties.Channel;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;

/**
 * One configured channel, {@value #CHANNEL}, for web slices: a slice scans no
 * {@code @ConfigurationProperties}, yet intake validation and the webhook's signature check ask
 * {@link ChannelPolicies}.
 */
@TestConfiguration(proxyBeanMethods = false)
@Import({ChannelPolicies.class, AckGates.class})
public class TestChannels {

  public static final String CHANNEL = "whatsapp";
  public static final String WEBHOOK_SECRET = "slice-webhook-secret";

  @Bean
  RelayChannelsProperties relayChannelsProperties() {
    Channel whatsapp =
        new Channel(
            "http://provider.invalid",
            "slice-token",
            WEBHOOK_SECRET,
            AckGateSetting.fixed(Duration.ofSeconds(2)),
            Duration.ofMillis(100),
            Duration.ofSeconds(2),
            List.of(Duration.ofSeconds(15)),
            8,
            null);
    return new RelayChannelsProperties(
        Map.of(CHANNEL, whatsapp), List.of(Duration.ofSeconds(5)), Duration.ofSeconds(10), 32);
  }
}
