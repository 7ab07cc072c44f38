package dev.relay.delivery;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static dev.relay.delivery.MessageDeliveryProcess.MESSAGE_DELIVERY_ACKNOWLEDGED;
import static dev.relay.delivery.MessageDeliveryProcess.MESSAGE_READ;
import static dev.relay.support.ProviderStub.IDEMPOTENCY_KEY;
import static dev.relay.support.RelayApi.events;
import static dev.relay.support.RelayApi.newMessage;
import static dev.relay.support.RelayApi.timeline;
import static dev.relay.support.WebhookClient.delivered;
import static dev.relay.support.WebhookClient.read;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.relay.support.ProviderStub;
import dev.relay.support.RelayApi;
import dev.relay.support.RelayIntegrationTest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.camunda.bpm.engine.history.HistoricProcessInstance;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

/**
 * A message's way through Relay end to end (API.md §1, §2, §4): intake, the provider call, the
 * callbacks, the fallback e-mail. Run on H2 and on PostgreSQL by the subclasses.
 */
abstract class DeliveryScenarios extends RelayIntegrationTest {

  private final ObjectMapper json = new ObjectMapper();

  @Test
  void happyPath_oneProviderCall_deliveredByWebhook_thenRead() throws Exception {
    String id = newId("happy");
    String room = newId("room");
    String body = "hello from " + id;

    ResponseEntity<JsonNode> accepted = api.send(newMessage(id, room, body, null));

    assertThat(accepted.getStatusCode()).isEqualTo(HttpStatus.ACCEPTED);
    assertThat(accepted.getHeaders().getLocation()).hasToString("/api/messages/" + id);
    assertThat(accepted.getBody().get("messageId").asText()).isEqualTo(id);
    assertThat(accepted.getBody().get("roomId").asText()).isEqualTo(room);
    assertThat(accepted.getBody().get("sequence").asLong()).isEqualTo(1);
    assertThat(accepted.getBody().get("status").asText()).isIn("QUEUED", "DISPATCHED");

    eventually().until(() -> api.status(id), equalTo("DISPATCHED"));
    LoggedRequest call = single(provider.calls(id));
    assertThat(call.getHeader("Authorization")).isEqualTo("Bearer " + API_TOKEN);
    assertThat(call.getHeader(IDEMPOTENCY_KEY)).isEqualTo(id);
    assertThat(call.getHeader("Content-Type")).startsWith(MediaType.APPLICATION_JSON_VALUE);
    assertThat(json.readTree(call.getBodyAsString()))
        .isEqualTo(json.valueToTree(Map.of("to", RelayApi.TO, "body", body, "reference", id)));
    assertThat(waitsFor(id, MESSAGE_DELIVERY_ACKNOWLEDGED)).isTrue();

    assertThat(webhook.send(delivered(id))).isEqualTo(200);

    JsonNode view = api.message(id);
    assertThat(view.get("status").asText()).isEqualTo("DELIVERED");
    assertThat(view.get("attempts").asInt()).isEqualTo(1);
    assertThat(view.get("providerMessageId").asText()).isEqualTo(ProviderStub.providerId(id));
    assertThat(view.get("dispatchedAt").isNull()).isFalse();
    assertThat(view.get("deliveredAt").isNull()).isFalse();
    assertThat(view.get("readAt").isNull()).isTrue();
    assertThat(events(view))
        .containsExactly("ACCEPTED", "TURN_GRANTED", "DISPATCHED", "DELIVERED", "TURN_PASSED");
    assertThat(timeline(view).get(2).get("attempt").asInt()).isEqualTo(1);
    // delivered, the turn passed on, and the delivery now waits for the read report only
    assertThat(activeActivities(id)).containsExactly("Gateway_AwaitRead");
    assertThat(waitsFor(id, MESSAGE_READ)).isTrue();
    assertThat(waitsFor(id, MESSAGE_DELIVERY_ACKNOWLEDGED)).isFalse();
    JsonNode roomView = api.room(room).getBody();
    assertThat(roomView.get("turnHolder").isNull()).isTrue();
    assertThat(roomView.get("delivered").asLong()).isEqualTo(1);

    assertThat(webhook.send(read(id))).isEqualTo(200);

    view = api.message(id);
    assertThat(view.get("status").asText()).isEqualTo("READ");
    assertThat(view.get("readAt").isNull()).isFalse();
    assertThat(events(view)).endsWith("DELIVERED", "TURN_PASSED", "READ");
    assertThat(instance(id)).isNull();
    HistoricProcessInstance ended = historicInstance(id);
    assertThat(ended.getState()).isEqualTo(HistoricProcessInstance.STATE_COMPLETED);
    assertThat(ended.getEndActivityId()).isEqualTo("EndEvent_MessageRead");
    assertThat(passedActivities(id))
        .containsSubsequence(
            "Task_ClaimRoomTurn",
            "Task_DispatchMessage",
            "Event_DeliveryAcknowledged",
            "Task_ReleaseRoomTurn",
            "Event_MessageRead",
            "EndEvent_MessageRead")
        .doesNotContain("Timer_AckGateTimeout", "Timer_ResendDue");
    assertThat(provider.calls(id)).hasSize(1);
  }

  @Test
  void permanentRejection_failed_fallbackMailed_providerCalledOnce() throws Exception {
    String id = newId("rejected");
    String email = id + "@fallback.test";
    String body = "rejected text of " + id;
    provider.answer(id, aResponse().withStatus(400).withBody("{\"error\": \"no such recipient\"}"));

    assertThat(api.send(newMessage(id, newId("room"), body, email)).getStatusCode())
        .isEqualTo(HttpStatus.ACCEPTED);

    eventually().until(() -> hasEnded(id));
    JsonNode view = api.message(id);
    assertThat(view.get("status").asText()).isEqualTo("FAILED");
    assertThat(events(view))
        .containsSubsequence("ACCEPTED", "TURN_GRANTED", "PROVIDER_REJECTED", "FAILED", "FALLBACK_EMAIL_SENT")
        .doesNotContain("DISPATCHED", "DELIVERED");
    assertThat(historicInstance(id).getEndActivityId()).isEqualTo("EndEvent_DeliveryGivenUp");
    assertThat(provider.calls(id)).hasSize(1);
    assertFallbackMail(email, body);
  }

  @Test
  void transientFailureOnce_retried_thenDeliveredOnAck() {
    String id = newId("transient");
    provider.answerFirst(id, aResponse().withStatus(503));

    api.send(newMessage(id, newId("room"), "text of " + id, null));

    eventually().until(() -> api.status(id), equalTo("DISPATCHED"));
    assertThat(webhook.send(delivered(id))).isEqualTo(200);
    JsonNode view = api.message(id);
    assertThat(view.get("status").asText()).isEqualTo("DELIVERED");
    assertThat(view.get("attempts").asInt()).isEqualTo(1);
    assertThat(events(view))
        .containsSubsequence("ACCEPTED", "TURN_GRANTED", "DISPATCH_FAILED", "DISPATCHED", "DELIVERED")
        .containsOnlyOnce("DISPATCH_FAILED", "DISPATCHED");
    assertThat(provider.calls(id))
        .hasSize(2)
        .allSatisfy(call -> assertThat(call.getHeader(IDEMPOTENCY_KEY)).isEqualTo(id));
  }

  @Test
  void tooManyRequests_nextTryNotBeforeRetryAfter() {
    String id = newId("throttled");
    Duration retryAfter = Duration.ofSeconds(2);
    provider.answerFirst(
        id, aResponse().withStatus(429).withHeader("Retry-After", String.valueOf(retryAfter.toSeconds())));

    api.send(newMessage(id, newId("room"), "text of " + id, null));

    eventually().until(() -> provider.calls(id).size() >= 2);
    List<LoggedRequest> calls = provider.calls(id);
    Duration gap =
        Duration.between(calls.get(0).getLoggedDate().toInstant(), calls.get(1).getLoggedDate().toInstant());
    // the engine's own retry wait is shorter: only the provider's Retry-After explains this much
    assertThat(retryAfter).isGreaterThan(DISPATCH_RETRY_DELAYS.get(0));
    assertThat(gap).isGreaterThanOrEqualTo(retryAfter);

    eventually().until(() -> api.status(id), equalTo("DISPATCHED"));
    assertThat(webhook.send(delivered(id))).isEqualTo(200);
    assertThat(api.status(id)).isEqualTo("DELIVERED");
  }

  @Test
  void sameMessageTwice_oneDelivery_otherContent_409_storedMessageUnchanged() {
    String id = newId("twice");
    String room = newId("room");
    Map<String, Object> request = newMessage(id, room, "the original text", null);

    assertThat(api.send(request).getStatusCode()).isEqualTo(HttpStatus.ACCEPTED);
    ResponseEntity<JsonNode> again = api.send(request);

    assertThat(again.getStatusCode()).isEqualTo(HttpStatus.OK);
    assertThat(again.getBody().get("messageId").asText()).isEqualTo(id);
    assertThat(again.getBody().get("sequence").asLong()).isEqualTo(1);
    assertThat(deliveryInstanceCount(id)).isEqualTo(1);

    String otherRoom = newId("room");
    for (Map<String, Object> changed :
        List.of(
            newMessage(id, room, "another text", null),
            newMessage(id, otherRoom, "the original text", null),
            newMessage(id, room, "the original text", "now@fallback.test"))) {
      ResponseEntity<JsonNode> conflict = api.send(changed);
      assertThat(conflict.getStatusCode()).isEqualTo(HttpStatus.CONFLICT);
      assertThat(conflict.getHeaders().getContentType().isCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
          .isTrue();
      assertThat(conflict.getBody().get("status").asInt()).isEqualTo(409);
    }

    Map<String, Object> stored =
        jdbc.queryForMap(
            "select room_id, recipient, body, fallback_email from relay_message where message_id = ?", id);
    assertThat(stored.get("room_id")).isEqualTo(room);
    assertThat(stored.get("recipient")).isEqualTo(RelayApi.TO);
    assertThat(stored.get("body")).isEqualTo("the original text");
    assertThat(stored.get("fallback_email")).isNull();
    assertThat(api.room(room).getBody().get("lastSequence").asLong()).isEqualTo(1);
    assertThat(api.room(otherRoom).getStatusCode()).isEqualTo(HttpStatus.NOT_FOUND);
    assertThat(deliveryInstanceCount(id)).isEqualTo(1);

    eventually().until(() -> api.status(id), equalTo("DISPATCHED"));
    assertThat(webhook.send(delivered(id))).isEqualTo(200);
    assertThat(api.status(id)).isEqualTo("DELIVERED");
    assertThat(single(provider.calls(id)).getBodyAsString()).contains("the original text");
  }

  @Test
  void dispatchOutOfRetries_becomesAnIncident_andTheRoomMovesOn() {
    String room = newId("room");
    String stuck = newId("stuck");
    String next = newId("next");
    provider.answer(stuck, aResponse().withStatus(503));
    api.send(newMessage(stuck, room, "never taken", null));
    api.send(newMessage(next, room, "goes after the incident", null));

    // the first try and one per engine retry, then an incident for an operator
    eventually()
        .until(
            () -> runtime.createIncidentQuery().processInstanceId(instance(stuck).getId()).count(),
            equalTo(1L));
    assertThat(provider.calls(stuck)).hasSize(DISPATCH_RETRY_DELAYS.size() + 1);
    assertThat(events(api.message(stuck))).contains("DISPATCH_INCIDENT", "TURN_PASSED");

    // the room did not wait for the operator: the next message went to the provider
    eventually().until(() -> provider.calls(next).size(), equalTo(1));
    assertThat(api.room(room).getBody().get("turnHolder").asText()).isEqualTo(next);
    assertThat(api.status(stuck)).isEqualTo("QUEUED");
  }
}
