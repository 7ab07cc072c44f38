package dev.relay.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The switch and the property binding, with only the simulator's own beans in the context. */
class SimulatorConfigurationTest {

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withUserConfiguration(SimulatorConfiguration.class, SimulatorController.class);

  @Test
  void offByDefault() {
    runner.run(context -> {
      assertThat(context).hasNotFailed();
      assertThat(context).doesNotHaveBean(ProviderSimulator.class);
      assertThat(context).doesNotHaveBean(SimulatorController.class);
      assertThat(context).doesNotHaveBean(CallbackSender.class);
    });
    runner.withPropertyValues("relay.simulator.enabled=false")
        .run(context -> assertThat(context).doesNotHaveBean(SimulatorController.class));
  }

  @Test
  void enabled_wiresEverything_withTheDocumentedDefaults() {
    runner.withPropertyValues("relay.simulator.enabled=true").run(context -> {
      assertThat(context).hasNotFailed();
      assertThat(context).hasSingleBean(SimulatorController.class);
      assertThat(context).hasSingleBean(ProviderSimulator.class);
      SimulatorProperties p = context.getBean(SimulatorProperties.class);
      assertThat(p.callbackUrl()).isEqualTo("http://localhost:8080/webhooks/{channel}");
      assertThat(p.webhookSecret()).isEqualTo("demo-webhook-secret");
      assertThat(p.webhookSecrets()).isEmpty();
      assertThat(p.callbackDelay()).isEqualTo(Duration.ofMillis(200));
      assertThat(p.callbackJitter()).isEqualTo(Duration.ofMillis(100));
      assertThat(p.readDelay()).isEqualTo(Duration.ofSeconds(1));
      assertThat(p.retryAfterSeconds()).isEqualTo(1);
      assertThat(p.dropRate()).isZero();
      assertThat(p.duplicateRate()).isZero();
      assertThat(p.reorderRate()).isZero();
      assertThat(p.earlyRate()).isZero();
      assertThat(p.readRate()).isZero();
      assertThat(p.serverErrorRate()).isZero();
      assertThat(p.tooManyRequestsRate()).isZero();
      assertThat(p.dropRecipientPrefix()).isNull();
      assertThat(context.getBean(SimulatorBehaviour.class).current())
          .isEqualTo(SimulatorBehaviour.Settings.from(p));
    });
  }

  @Test
  void propertiesSeedTheBehaviour() {
    runner.withPropertyValues("relay.simulator.enabled=true",
            "relay.simulator.callback-delay=50ms", "relay.simulator.drop-rate=0.25",
            "relay.simulator.drop-recipient-prefix=open-",
            "relay.simulator.callback-url=http://relay:9000/hooks/{channel}")
        .run(context -> {
          SimulatorBehaviour.Settings s = context.getBean(SimulatorBehaviour.class).current();
          assertThat(s.callbackDelay()).isEqualTo(Duration.ofMillis(50));
          assertThat(s.dropRate()).isEqualTo(0.25);
          assertThat(s.dropRecipientPrefix()).isEqualTo("open-");
          assertThat(s.callbackUrl()).isEqualTo("http://relay:9000/hooks/{channel}");
        });
  }

  @Test
  void aSecretPerChannel_theOthersSignWithTheDefault() {
    runner.withPropertyValues("relay.simulator.enabled=true",
            "relay.simulator.webhook-secret=default-secret",
            "relay.simulator.webhook-secrets.sms=sms-secret")
        .run(context -> {
          SimulatorBehaviour.Settings s = context.getBean(SimulatorBehaviour.class).current();
          assertThat(s.secretOf("sms")).isEqualTo("sms-secret");
          assertThat(s.secretOf("whatsapp")).isEqualTo("default-secret");
        });
  }

  @Test
  void rateOutsideZeroToOne_failsTheStart() {
    runner.withPropertyValues("relay.simulator.enabled=true", "relay.simulator.early-rate=1.5")
        .run(context -> assertThat(context).hasFailed()
            .getFailure().rootCause().hasMessageContaining("earlyRate"));
  }
}
