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
import org.camunda.bpm.engine.runtime.ProcessInstance;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.client.RestClient;

/**
 * The base of the room tests that play the provider's callbacks themselves: channels of their
 * own on the {@link dev.relay.support.ProviderStub} (which never calls back), and the engine REST
 * API as an operator uses it.
 */
abstract class RoomIntegrationTest extends RelayIntegrationTest {

  /** A room on this channel waits for its message's ACK for good: no gate, no resend. */
  static final String HOLDING_CHANNEL = "slowchat";
  /** A room on this channel moves on 500 ms after a dispatch; the message resends after 1 s, 2 s. */
  static final String GATED_CHANNEL = "gatechat";
  static final Duration GATE = Duration.ofMillis(500);
  static final Duration LAST_RESEND_DELAY = Duration.ofSeconds(2);
  /** A room on this channel moves on 5 s after a dispatch: time for a test to line things up. */
  static final String SLOW_GATE_CHANNEL = "slowgatechat";
  /** A room on this channel waits as long as the channel's ACKs take (ack-gate-timeout auto). */
  static final String LEARNING_CHANNEL = "learnchat";
  static final Duration LEARNING_GATE_MAX = Duration.ofSeconds(3);

  /** The administrator of the test profile (application-test.yml). */
  static final String OPERATOR = "operator:operator-password";

  @DynamicPropertySource
  static void channelsOfTheseTests(DynamicPropertyRegistry registry) {
    channel(registry, HOLDING_CHANNEL, provider::baseUrl, "PT1H", "PT1H", 3);
    channel(registry, GATED_CHANNEL, provider::baseUrl, GATE.toString(), "PT1S,PT2S", 10);
    channel(registry, SLOW_GATE_CHANNEL, provider::baseUrl, "PT5S", "PT1H", 3);
    channel(registry, LEARNING_CHANNEL, provider::baseUrl, "auto", "PT1H", 3);
    registry.add("relay.channels." + LEARNING_CHANNEL + ".ack-gate-max", LEARNING_GATE_MAX::toString);
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
   * A room with three messages: the provider has the first, and the room's instance waits for its
   * ACK; the other two wait in the room's queue.
   */
  record Room(String id, String first, String second, String third) {}

  Room roomWithThreeMessagesFirstAwaitingAck() {
    String id = newId("room");
    Room room = new Room(id, id + "-m1", id + "-m2", id + "-m3");
    for (String messageId : List.of(room.first(), room.second(), room.third())) {
      assertThat(api.send(message(messageId, id, HOLDING_CHANNEL)).getStatusCode())
          .isEqualTo(HttpStatus.ACCEPTED);
    }
    eventually().until(() -> provider.calls(room.first()).size(), equalTo(1));
    // the dispatch job has committed: the instance waits for the ACK
    eventually().until(() -> activeActivities(roomInstance(id)), equalTo(List.of("Task_AwaitDeliveryReport")));
    assertThat(currentMessage(id)).isEqualTo(room.first());
    assertRoomView(id, room.first(), 2, 0);
    assertThat(provider.calls(room.second())).isEmpty();
    return room;
  }

  /** API.md §2's room view: who holds the room's turn, how many wait, how many are delivered. */
  void assertRoomView(String roomId, String turnHolder, long waiting, long delivered) {
    JsonNode view = api.room(roomId).getBody();
    assertThat(view.get("turnHolder").isNull() ? null : view.get("turnHolder").asText())
        .as("turnHolder of %s", roomId)
        .isEqualTo(turnHolder);
    assertThat(view.get("waiting").asLong()).as("waiting in %s", roomId).isEqualTo(waiting);
    assertThat(view.get("delivered").asLong()).as("delivered in %s", roomId).isEqualTo(delivered);
  }

  /** The Idempotency-Keys of the room's provider calls, oldest first. */
  List<String> providerCallsOfRoom(String roomId) {
    return provider.callsStartingWith(roomId + "-").stream()
        .map(call -> call.getHeader("Idempotency-Key"))
        .toList();
  }

  /** Plays the provider's callbacks of one channel. */
  WebhookClient callbacks(String channel) {
    return new WebhookClient(
        URI.create("http://localhost:" + serverPort + "/webhooks/" + channel), WEBHOOK_SECRET);
  }

  /** {@code DELETE /engine-rest/engine/{engine}/process-instance/{id}} as the Cockpit user. */
  ResponseEntity<Void> deleteInstance(String processInstanceId, boolean skipCustomListeners) {
    return http.delete()
        .uri("/engine-rest/engine/{engine}/process-instance/{id}?skipCustomListeners={skip}",
            engine.getName(), processInstanceId, skipCustomListeners)
        .header(HttpHeaders.AUTHORIZATION, operator())
        .retrieve()
        .toBodilessEntity();
  }

  /**
   * {@code POST /engine-rest/engine/{engine}/process-definition/key/RoomDeliveryProcess/start}
   * with the room as business key, as an operator could from Cockpit or a script.
   */
  ResponseEntity<JsonNode> startRoomInstance(String roomId) {
    return http.post()
        .uri("/engine-rest/engine/{engine}/process-definition/key/{key}/start",
            engine.getName(), RoomDeliveryProcess.KEY)
        .header(HttpHeaders.AUTHORIZATION, operator())
        .contentType(MediaType.APPLICATION_JSON)
        .body(Map.of("businessKey", roomId))
        .retrieve()
        .toEntity(JsonNode.class);
  }

  static String operator() {
    return "Basic " + Base64.getEncoder().encodeToString(OPERATOR.getBytes());
  }

  /** Where the instance waits; empty once it has ended. */
  List<String> activeActivities(String processInstanceId) {
    ProcessInstance instance =
        runtime.createProcessInstanceQuery().processInstanceId(processInstanceId).singleResult();
    return activeActivities(instance);
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
