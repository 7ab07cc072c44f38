package dev.relay.channel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.validation.ValidationAutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** relay.channels.* as Spring binds and validates them at start: the ACK gate's forms. */
class ChannelSettingsTest {

  private static final String CHANNEL = "relay.channels.whatsapp.";

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(AutoConfigurations.of(ValidationAutoConfiguration.class))
          .withUserConfiguration(Settings.class)
          .withPropertyValues(
              CHANNEL + "base-url=http://provider.invalid",
              CHANNEL + "api-token=token",
              CHANNEL + "webhook-secret=secret");

  @EnableConfigurationProperties(RelayChannelsProperties.class)
  static class Settings {}

  @Test
  void theGateIsFixedAt2sByDefault_withBoundsForAuto() {
    runner.run(context -> {
      RelayChannelsProperties.Channel c = channel(context.getBean(RelayChannelsProperties.class));
      assertThat(c.ackGateTimeout()).isEqualTo(AckGateSetting.fixed(Duration.ofSeconds(2)));
      assertThat(c.ackGateMin()).isEqualTo(Duration.ofMillis(100));
      assertThat(c.ackGateMax()).isEqualTo(Duration.ofSeconds(2));
    });
  }

  @Test
  void theGateIsAnyDurationOrAuto() {
    runner.withPropertyValues(CHANNEL + "ack-gate-timeout=PT0.5S").run(context ->
        assertThat(channel(context.getBean(RelayChannelsProperties.class)).ackGateTimeout().fixed())
            .isEqualTo(Duration.ofMillis(500)));
    runner.withPropertyValues(CHANNEL + "ack-gate-timeout=auto", CHANNEL + "ack-gate-max=5s")
        .run(context -> {
          RelayChannelsProperties.Channel c = channel(context.getBean(RelayChannelsProperties.class));
          assertThat(c.ackGateTimeout().isAuto()).isTrue();
          assertThat(c.ackGateMax()).isEqualTo(Duration.ofSeconds(5));
        });
    assertThat(AckGateSetting.valueOf(" AUTO ")).isEqualTo(AckGateSetting.AUTO);
    assertThatThrownBy(() -> AckGateSetting.valueOf("soon"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aBadGateStopsTheStart() {
    runner.withPropertyValues(CHANNEL + "ack-gate-timeout=soon")
        .run(context -> assertThat(context).hasFailed());
    runner.withPropertyValues(CHANNEL + "ack-gate-timeout=0s")
        .run(context -> assertThat(context).hasFailed()
            .getFailure().rootCause().hasMessageContaining("durations must be positive"));
    runner.withPropertyValues(CHANNEL + "ack-gate-min=3s", CHANNEL + "ack-gate-max=2s")
        .run(context -> assertThat(context).hasFailed()
            .getFailure().rootCause().hasMessageContaining("ack-gate-min must not exceed ack-gate-max"));
  }

  private static RelayChannelsProperties.Channel channel(RelayChannelsProperties properties) {
    return properties.channels().get("whatsapp");
  }
}
