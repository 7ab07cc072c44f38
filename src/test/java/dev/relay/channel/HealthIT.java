package dev.relay.channel;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.relay.support.RelayIntegrationTest;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.ResponseEntity;
import org.springframework.web.client.RestClient;

/**
 * /actuator/health as operators and probes see it: the database, the job executor and each
 * channel's circuit for a logged-in user, the status alone for anyone else, and a provider's open
 * circuit degrading its channel without failing liveness or readiness.
 */
class HealthIT extends RelayIntegrationTest {

  @LocalServerPort int port;
  @Autowired ChannelGuard guard;
  @Autowired RelayCircuitProperties circuit;

  private RestClient http;

  @BeforeEach
  void client() {
    http =
        RestClient.builder()
            .baseUrl("http://localhost:" + port)
            .defaultStatusHandler(status -> true, (request, response) -> {})
            .build();
  }

  @Test
  void aLoggedInUser_seesTheDatabaseTheJobExecutorAndEachChannel() {
    ResponseEntity<JsonNode> answer = health("/actuator/health", true);

    assertThat(answer.getStatusCode().value()).isEqualTo(200);
    JsonNode components = answer.getBody().get("components");
    assertThat(components.at("/db/status").asText()).isEqualTo("UP");
    JsonNode jobs = components.get("jobExecutor");
    assertThat(jobs.get("status").asText()).isEqualTo("UP");
    assertThat(jobs.at("/details/active").asBoolean()).isTrue();
    // as application.yml configures the pool
    assertThat(jobs.at("/details/maxPoolSize").asInt()).isEqualTo(8);
    assertThat(jobs.at("/details/queueCapacity").asInt()).isEqualTo(8);
    assertThat(jobs.at("/details/activeThreads").isInt()).isTrue();
    assertThat(jobs.at("/details/queued").isInt()).isTrue();
    assertThat(jobs.at("/details/waitingInLine").isInt()).isTrue();
    assertThat(jobs.at("/details/preparing").isInt()).isTrue();
    JsonNode channel = components.at("/channels/components/" + CHANNEL);
    assertThat(channel.get("status").asText()).isEqualTo("UP");
    assertThat(channel.at("/details/circuit").asText()).isEqualTo("CLOSED");
    assertThat(channel.at("/details/waiting").asLong()).isZero();
    assertThat(channel.at("/details/ackGateMillis").asLong()).isEqualTo(ACK_GATE_TIMEOUT.toMillis());
  }

  @Test
  void theGroups_holdTheirComponents() {
    assertThat(health("/actuator/health/database", true).getBody().get("components").fieldNames())
        .toIterable()
        .containsExactly("db");
    assertThat(health("/actuator/health/engine", true).getBody().get("components").fieldNames())
        .toIterable()
        .containsExactlyInAnyOrder("jobExecutor", "processEngine");
    assertThat(health("/actuator/health/providers", true).getBody().at("/components/channels/components")
            .fieldNames())
        .toIterable()
        .contains(CHANNEL);
  }

  @Test
  void anyoneElse_seesTheStatusOnly() {
    ResponseEntity<JsonNode> answer = health("/actuator/health", false);

    assertThat(answer.getStatusCode().value()).isEqualTo(200);
    assertThat(answer.getBody().get("status").asText()).isEqualTo("UP");
    assertThat(answer.getBody().has("components")).isFalse();
    // a component's path alone would tell its status: not found
    assertThat(health("/actuator/health/channels/" + CHANNEL, false).getStatusCode().value()).isEqualTo(404);
  }

  @Test
  void anOpenCircuit_degradesItsChannel_butNeitherProbe() {
    try {
      for (int failure = 1; failure <= circuit.failureThreshold(); failure++) {
        guard.failed(CHANNEL); // as the provider calls of a failing provider do
      }

      ResponseEntity<JsonNode> channel = health("/actuator/health/channels/" + CHANNEL, true);
      assertThat(channel.getStatusCode().value()).isEqualTo(200);
      assertThat(channel.getBody().get("status").asText()).isEqualTo("DEGRADED");
      assertThat(channel.getBody().at("/details/circuit").asText()).isEqualTo("OPEN");
      assertThat(status("/actuator/health", false)).isEqualTo("200 DEGRADED");
      assertThat(status("/actuator/health/providers", true)).isEqualTo("200 DEGRADED");
      assertThat(status("/actuator/health/liveness", false)).isEqualTo("200 UP");
      assertThat(status("/actuator/health/readiness", false)).isEqualTo("200 UP");
      eventually().until(() -> circuitGauge("OPEN") == 1 && circuitGauge("CLOSED") == 0);
    } finally {
      // closed again for the tests that share this context
      jdbc.update(
          "update relay_channel set circuit = 'CLOSED', failures = 0, trials = 0, trial_successes = 0"
              + " where name = ?",
          CHANNEL);
    }
    eventually().until(() -> circuitGauge("CLOSED") == 1);
    assertThat(status("/actuator/health/channels/" + CHANNEL, true)).isEqualTo("200 UP");
  }

  private ResponseEntity<JsonNode> health(String path, boolean loggedIn) {
    return http.get()
        .uri(path)
        .headers(headers -> {
          if (loggedIn) {
            headers.setBasicAuth("operator", "operator-password");
          }
        })
        .retrieve()
        .toEntity(JsonNode.class);
  }

  /** The HTTP status and the health status, e.g. "200 UP" (without a login: as a probe sees them). */
  private String status(String path, boolean loggedIn) {
    ResponseEntity<JsonNode> answer = health(path, loggedIn);
    return answer.getStatusCode().value() + " " + answer.getBody().get("status").asText();
  }

  /** relay_channel_circuit of the test's channel in this state, as Prometheus scrapes it. */
  private double circuitGauge(String state) {
    var gauge =
        Pattern.compile(
                "^relay_channel_circuit\\{channel=\"" + CHANNEL + "\",state=\"" + state + "\"} (\\S+)$",
                Pattern.MULTILINE)
            .matcher(api.prometheus());
    assertThat(gauge.find()).as("relay_channel_circuit of " + state).isTrue();
    return Double.parseDouble(gauge.group(1));
  }
}
