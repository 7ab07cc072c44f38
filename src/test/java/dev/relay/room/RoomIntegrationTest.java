package dev.relay.room;

import static dev.relay.support.RelayApi.newMessage;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import dev.relay.support.RelayApi;
import dev.relay.support.RelayIntegrationTest;
import dev.relay.support.WebhookClient;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.camunda.bpm.engine.ProcessEngine;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.client.RestClient;

/**
 * The base of the room tests that play the provider's callbacks themselves: channels of their
 * own on the {@link dev.relay.support.ProviderStub} (which never calls back), the room API's
 * repair call, and the engine REST API as an operator uses it. The repair interval is left to the
 * subclasses, so each says whether the scheduled repair may run.
 */
abstract class RoomIntegrationTest extends RelayIntegrationTest {

  /** A room on this channel keeps its turn until the holder is ACKed or ends: no gate, no resend. */
  static final String HOLDING_CHANNEL = "slowchat";
  /** A room on this channel moves on 500 ms after a dispatch; the message resends after 1 s, 2 s. */
  static final String GATED_CHANNEL = "gatechat";
  static final Duration GATE = Duration.ofMillis(500);
  static final Duration LAST_RESEND_DELAY = Duration.ofSeconds(2);
  /** A room on this channel moves on 5 s after a dispatch: time for a test to line things up. */
  static final String SLOW_GATE_CHANNEL = "slowgatechat";

  @DynamicPropertySource
  static void channelsOfTheseTests(DynamicPropertyRegistry registry) {
    channel(registry, HOLDING_CHANNEL, provider::baseUrl, "PT1H", "PT1H", 3);
    channel(registry, GATED_CHANNEL, provider::baseUrl, GATE.toString(), "PT1S,PT2S", 10);
    channel(registry, SLOW_GATE_CHANNEL, provider::baseUrl, "PT5S", "PT1H", 3);
  }

  /** A channel of API.md §5 whose ACK gate and resends are the test's. */
  static void channel(
      DynamicPropertyRegistry registry,
      String name,
      Supplier<Object> baseUrl,
      String gate,
      String resends,
      int maxAttempts) {
    String prefix = "relay.channels." + name + ".";
    registry.add(prefix + "base-url", baseUrl);
    registry.add(prefix + "api-token", () -> API_TOKEN);
    registry.add(prefix + "webhook-secret", () -> WEBHOOK_SECRET);
    registry.add(prefix + "ack-gate-timeout", () -> gate);
    registry.add(prefix + "resend-delays", () -> resends);
    registry.add(prefix + "max-attempts", () -> maxAttempts);
  }

  @LocalServerPort int serverPort;
  @Autowired ProcessEngine engine;

  RestClient http;

  @BeforeEach
  void rawClient() {
    http =
        RestClient.builder()
            .baseUrl("http://localhost:" + serverPort)
            .defaultStatusHandler(status -> true, (request, response) -> {})
            .build();
  }

  /**
   * A room's three messages; the first holds the turn, the provider has it and its delivery waits
   * for its resend, the others wait for the turn.
   */
  record Room(String id, String first, String second, String third) {}

  Room roomWithHolderAndTwoWaiting() {
    String id = newId("room");
    Room room = new Room(id, id + "-m1", id + "-m2", id + "-m3");
    for (String messageId : List.of(room.first(), room.second(), room.third())) {
      assertThat(api.send(message(messageId, id, HOLDING_CHANNEL)).getStatusCode())
          .isEqualTo(HttpStatus.ACCEPTED);
    }
    eventually().until(() -> provider.calls(room.first()).size(), equalTo(1));
    // the dispatch job has committed: the delivery waits for its (distant) resend
    eventually().until(() -> activeActivities(room.first()).contains("Timer_ResendDue"));
    JsonNode view = api.room(id).getBody();
    assertThat(view.get("turnHolder").asText()).isEqualTo(room.first());
    assertThat(view.get("waiting").asLong()).isEqualTo(2);
    assertThat(provider.calls(room.second())).isEmpty();
    return room;
  }

  /** Plays the provider's callbacks of one channel. */
  WebhookClient callbacks(String channel) {
    return new WebhookClient(
        URI.create("http://localhost:" + serverPort + "/webhooks/" + channel), WEBHOOK_SECRET);
  }

  ResponseEntity<JsonNode> repair(String roomId) {
    return http.post().uri("/api/rooms/{id}/repair", roomId).retrieve().toEntity(JsonNode.class);
  }

  /** {@code DELETE /engine-rest/engine/{engine}/process-instance/{id}} as the Cockpit user. */
  ResponseEntity<Void> deleteInstance(String messageId, boolean skipCustomListeners) {
    String basic = Base64.getEncoder().encodeToString("demo:demo".getBytes());
    return http.delete()
        .uri("/engine-rest/engine/{engine}/process-instance/{id}?skipCustomListeners={skip}",
            engine.getName(), instance(messageId).getId(), skipCustomListeners)
        .header(HttpHeaders.AUTHORIZATION, "Basic " + basic)
        .retrieve()
        .toBodilessEntity();
  }

  static Map<String, Object> message(String messageId, String room, String channel) {
    Map<String, Object> request = newMessage(messageId, room, "text of " + messageId, null);
    request.put("channel", channel);
    return request;
  }

  /** When the view's timeline first shows the event. */
  static Instant at(JsonNode view, String event) {
    return RelayApi.timeline(view).stream()
        .filter(step -> step.get("event").asText().equals(event))
        .map(step -> Instant.parse(step.get("at").asText()))
        .findFirst()
        .orElseThrow();
  }
}
