package dev.relay.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.relay.RelayApplication;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.mock.env.MockEnvironment;

/**
 * Outside the demo profile Relay does not start without an administrator, API credentials and a
 * webhook secret per channel; the demo needs none of them. (That a fully configured production
 * node starts is ProductionProfileIT's.)
 */
@ExtendWith(OutputCaptureExtension.class)
class ProductionSettingsTest {

  @Test
  void nothingConfigured_namesTheAdministratorItsPasswordAndTheApiTokens() {
    assertThat(ProductionSettings.missing(new MockEnvironment()))
        .hasSize(3)
        .anySatisfy(m -> assertThat(m).startsWith("RELAY_ADMIN_USER:"))
        .anySatisfy(m -> assertThat(m).startsWith("RELAY_ADMIN_PASSWORD:"))
        .anySatisfy(m -> assertThat(m).startsWith("RELAY_API_TOKENS:").contains("RELAY_API_OPEN=true"));
  }

  @Test
  void everythingGiven_nothingMissing() {
    assertThat(ProductionSettings.missing(configured())).isEmpty();
  }

  @Test
  void anOpenApiOnPurpose_needsNoTokens() {
    MockEnvironment environment =
        new MockEnvironment()
            .withProperty("camunda.bpm.admin-user.id", "ops")
            .withProperty("camunda.bpm.admin-user.password", "a-long-password")
            .withProperty("relay.api.open", "true");
    assertThat(ProductionSettings.missing(environment)).isEmpty();
  }

  @Test
  void anAdministratorIdTheEngineWouldRefuse_isNamed() {
    assertThat(ProductionSettings.missing(configured().withProperty("camunda.bpm.admin-user.id", "ops-team")))
        .singleElement()
        .satisfies(m -> assertThat(m).startsWith("RELAY_ADMIN_USER:").contains("letters and digits"));
  }

  @Test
  void aShortPassword_orAChannelWithoutSecret_isNamed() {
    MockEnvironment environment =
        configured()
            .withProperty("camunda.bpm.admin-user.password", "demo")
            .withProperty("relay.channels.sms-eu.base-url", "https://sms.example")
            .withProperty("relay.channels.sms-eu.webhook-secret", " ");
    assertThat(ProductionSettings.missing(environment))
        .satisfiesExactlyInAnyOrder(
            m -> assertThat(m).startsWith("RELAY_ADMIN_PASSWORD:").contains("shorter"),
            m -> assertThat(m).startsWith("RELAY_CHANNELS_SMS_EU_WEBHOOK_SECRET:"));
  }

  @Test
  void prodWithoutSettings_doesNotStart_andSaysWhatIsMissing(CapturedOutput output) {
    assertThatThrownBy(
            () ->
                new SpringApplicationBuilder(RelayApplication.class)
                    .profiles("prod")
                    .properties(
                        "spring.datasource.url=jdbc:h2:mem:never-used",
                        "server.port=0",
                        "relay.channels.whatsapp.base-url=https://provider.example",
                        "relay.channels.whatsapp.api-token=t")
                    .run())
        .isInstanceOf(MissingProductionSettingsException.class);

    assertThat(output.getOut() + output.getErr())
        .contains("APPLICATION FAILED TO START")
        .contains("RELAY_ADMIN_USER", "RELAY_ADMIN_PASSWORD", "RELAY_API_TOKENS")
        .contains("RELAY_CHANNELS_WHATSAPP_WEBHOOK_SECRET")
        .contains("SPRING_PROFILES_ACTIVE=demo")
        .doesNotContain("\tat org.springframework"); // a report, not a stack trace
  }

  private static MockEnvironment configured() {
    MockEnvironment environment = new MockEnvironment();
    environment
        .withProperty("camunda.bpm.admin-user.id", "ops")
        .withProperty("camunda.bpm.admin-user.password", "a-long-password")
        .withProperty("relay.api.tokens", String.join(",", List.of("t1", "t2")))
        .withProperty("relay.channels.whatsapp.base-url", "https://provider.example")
        .withProperty("relay.channels.whatsapp.webhook-secret", "s");
    return environment;
  }
}
