package dev.relay.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relay.channel.RelayChannelsProperties;
import dev.relay.channel.RelayChannelsProperties.Channel;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.ClassPathResource;

/**
 * The demo profile as shipped: each channel has a webhook secret of its own (one leaked secret
 * does not let anyone sign the other channel's callbacks), and the bundled simulator signs each
 * channel's callbacks with exactly that channel's secret.
 */
class DemoChannelsTest {

  @Test
  void eachDemoChannelHasItsOwnSecret_andTheSimulatorSignsWithIt() throws IOException {
    Binder demo = Binder.get(demoEnvironment());
    Map<String, Channel> channels =
        demo.bindOrCreate("relay", RelayChannelsProperties.class).channels();
    SimulatorBehaviour.Settings simulator =
        SimulatorBehaviour.Settings.from(demo.bindOrCreate("relay.simulator", SimulatorProperties.class));

    assertThat(channels).containsOnlyKeys("whatsapp", "sms", "quick");
    assertThat(channels.get("whatsapp").webhookSecret())
        .isNotBlank()
        .isNotEqualTo(channels.get("sms").webhookSecret());
    channels.forEach(
        (name, channel) ->
            assertThat(simulator.secretOf(name)).as(name).isEqualTo(channel.webhookSecret()));
  }

  /** README's "Watch a fallback": resends seconds apart, and a recipient the simulator never ACKs. */
  @Test
  void theQuickChannelFallsBackWithinHalfAMinute_forARecipientNeverAcknowledged() throws IOException {
    Binder demo = Binder.get(demoEnvironment());
    Channel quick = demo.bindOrCreate("relay", RelayChannelsProperties.class).channels().get("quick");
    SimulatorBehaviour.Settings simulator =
        SimulatorBehaviour.Settings.from(demo.bindOrCreate("relay.simulator", SimulatorProperties.class));

    assertThat(quick.resendDelays()).containsExactly(Duration.ofSeconds(5), Duration.ofSeconds(10));
    assertThat(quick.maxAttempts()).isEqualTo(3);
    assertThat(quick.baseUrl()).endsWith("/simulator/quick");
    assertThat(simulator.dropsCallbacksTo("+15559990001")).isTrue();
    assertThat(simulator.dropsCallbacksTo("+15550100")).isFalse();
  }

  private static StandardEnvironment demoEnvironment() throws IOException {
    StandardEnvironment environment = new StandardEnvironment();
    YamlPropertySourceLoader yaml = new YamlPropertySourceLoader();
    // the profile's file first: it overrides application.yml, as Spring Boot orders them
    for (String file : new String[] {"application-demo.yml", "application.yml"}) {
      yaml.load(file, new ClassPathResource(file))
          .forEach(source -> environment.getPropertySources().addLast(source));
    }
    return environment;
  }
}
