package dev.relay.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relay.webhook.WebhookSignature;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.autoconfigure.context.ConfigurationPropertiesAutoConfiguration;
import org.springframework.boot.autoconfigure.context.PropertyPlaceholderAutoConfiguration;
import org.springframework.boot.autoconfigure.http.HttpMessageConvertersAutoConfiguration;
import org.springframework.boot.autoconfigure.jackson.JacksonAutoConfiguration;
import org.springframework.boot.autoconfigure.web.servlet.DispatcherServletAutoConfiguration;
import org.springframework.boot.autoconfigure.web.servlet.ServletWebServerFactoryAutoConfiguration;
import org.springframework.boot.autoconfigure.web.servlet.WebMvcAutoConfiguration;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/**
 * The simulator wired by Spring on a real web server, as in the demo profile, calling back a
 * stand-in for Relay's webhook on the same server. Only the simulator's beans and Spring MVC are
 * started, not the Relay application.
 */
@SpringBootTest(
    classes = SimulatorServerTest.SimulatorOnly.class,
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "relay.simulator.enabled=true",
      "relay.simulator.callback-url=http://localhost:{port}/webhooks/{channel}",
      "relay.simulator.webhook-secret=server-test-secret",
      // not the demo's own secrets and read statuses (application-demo.yml: the default profile)
      "spring.profiles.active=simulator-server-test",
      "relay.simulator.callback-delay=20ms",
      "relay.simulator.callback-jitter=0ms"
    })
class SimulatorServerTest {

  @Configuration(proxyBeanMethods = false)
  @ImportAutoConfiguration({
    PropertyPlaceholderAutoConfiguration.class,
    ConfigurationPropertiesAutoConfiguration.class,
    ServletWebServerFactoryAutoConfiguration.class,
    DispatcherServletAutoConfiguration.class,
    WebMvcAutoConfiguration.class,
    HttpMessageConvertersAutoConfiguration.class,
    JacksonAutoConfiguration.class
  })
  @ConfigurationPropertiesScan(basePackageClasses = SimulatorProperties.class) // as RelayApplication
  @Import({SimulatorConfiguration.class, SimulatorController.class, FakeRelayWebhook.class})
  static class SimulatorOnly {}

  /** Relay's webhook as far as the simulator can tell: checks the signature, keeps the body. */
  @RestController
  static class FakeRelayWebhook {
    final List<JsonNode> received = new CopyOnWriteArrayList<>();
    private final ObjectMapper json = new ObjectMapper();

    @PostMapping("/webhooks/{channel}")
    ResponseEntity<Void> receive(@PathVariable String channel, @RequestBody byte[] body,
        @RequestHeader(WebhookSignature.HEADER) String signature) throws Exception {
      if (!channel.equals("whatsapp") || !WebhookSignature.matches(body, "server-test-secret",
          signature)) {
        return ResponseEntity.status(401).build();
      }
      received.add(json.readTree(body).get("statuses").get(0));
      return ResponseEntity.ok().build();
    }
  }

  @LocalServerPort int port;
  @Autowired FakeRelayWebhook webhook;
  @Autowired SimulatorStats stats;

  private final HttpClient http = HttpClient.newHttpClient();
  private final ObjectMapper json = new ObjectMapper();

  @BeforeEach
  void clean() throws Exception {
    call("DELETE", "/simulator/inbox", null, null);
    call("DELETE", "/simulator/behaviour", null, null);
    webhook.received.clear();
  }

  @Test
  void acceptsAndCallsBack_withValidSignatures() throws Exception {
    HttpResponse<String> answer = send("m-1");

    assertThat(answer.statusCode()).isEqualTo(200);
    String id = json.readTree(answer.body()).get("id").asText();
    await().until(() -> webhook.received.size() >= 2);
    assertThat(webhook.received).extracting(s -> s.get("status").asText())
        .containsExactly("sent", "delivered");
    assertThat(webhook.received).allSatisfy(s -> {
      assertThat(s.get("id").asText()).isEqualTo(id);
      assertThat(s.get("reference").asText()).isEqualTo("m-1");
    });
    assertThat(stats.snapshot().callbacksFailed()).isZero();

    JsonNode inbox = json.readTree(call("GET", "/simulator/inbox/+15550100", null, null).body());
    assertThat(inbox).hasSize(1);
    assertThat(inbox.get(0).get("providerMessageId").asText()).isEqualTo(id);
    assertThat(Instant.parse(inbox.get(0).get("receivedAt").asText())).isNotNull();
  }

  @Test
  void earlyCallback_reachesTheWebhookBeforeTheProviderAnswers() throws Exception {
    HttpResponse<String> put = call("PUT", "/simulator/behaviour",
        "{\"earlyRate\": 1, \"callbackDelay\": \"500ms\"}", null);
    assertThat(put.statusCode()).isEqualTo(200);

    HttpResponse<String> answer = send("m-2");

    assertThat(answer.statusCode()).isEqualTo(200);
    assertThat(webhook.received).isNotEmpty(); // sent is due 500 ms later
    assertThat(webhook.received.get(0).get("status").asText()).isEqualTo("delivered");
    await().until(() -> webhook.received.size() >= 2);
    assertThat(webhook.received).extracting(s -> s.get("status").asText())
        .containsExactly("delivered", "sent");
  }

  @Test
  void behaviourAndStats_areJson() throws Exception {
    JsonNode behaviour = json.readTree(call("GET", "/simulator/behaviour", null, null).body());
    assertThat(behaviour.get("callbackDelay").asText()).isEqualTo("PT0.02S");
    assertThat(behaviour.has("webhookSecret")).isFalse();

    HttpResponse<String> rejected = call("PUT", "/simulator/behaviour", "{\"dropRate\": 2}", null);
    assertThat(rejected.statusCode()).isEqualTo(400);
    assertThat(rejected.headers().firstValue("Content-Type")).hasValue("application/problem+json");

    JsonNode stats = json.readTree(call("GET", "/simulator/stats", null, null).body());
    assertThat(stats.fieldNames()).toIterable().containsExactlyInAnyOrder("accepted",
        "rejected5xx", "rejected429", "callbacksSent", "callbacksFailed", "dropped");
  }

  @Test
  void missingToken_is401() throws Exception {
    HttpResponse<String> answer = call("POST", "/simulator/whatsapp/messages",
        "{\"to\":\"+15550100\",\"body\":\"hi\",\"reference\":\"m-3\"}", "m-3");

    assertThat(answer.statusCode()).isEqualTo(401);
  }

  private HttpResponse<String> send(String messageId) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(uri("/simulator/whatsapp/messages"))
        .header("Authorization", "Bearer demo-token")
        .header("Idempotency-Key", messageId)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(
            "{\"to\":\"+15550100\",\"body\":\"hello\",\"reference\":\"" + messageId + "\"}"))
        .build();
    return http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  private HttpResponse<String> call(String method, String path, String body, String key)
      throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri(path))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    if (key != null) {
      request.header("Idempotency-Key", key);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  private URI uri(String path) {
    return URI.create("http://localhost:" + port + path);
  }
}
