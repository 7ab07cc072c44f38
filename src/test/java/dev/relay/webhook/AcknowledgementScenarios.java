package dev.relay.webhook;

import static dev.relay.delivery.MessageDeliveryProcess.MESSAGE_DELIVERY_ACKNOWLEDGED;
import static dev.relay.support.ProviderStub.IDEMPOTENCY_KEY;
import static dev.relay.support.RelayApi.events;
import static dev.relay.support.RelayApi.newMessage;
import static dev.relay.support.RelayApi.timeline;
import static dev.relay.support.WebhookClient.delivered;
import static dev.relay.support.WebhookClient.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.relay.support.RelayIntegrationTest;
import dev.relay.support.WebhookClient.Status;
import java.time.Duration;
import java.util.List;
import java.util.function.IntFunction;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;

/**
 * Delivery ACKs as providers really send them (API.md §4): before the dispatch's own answer,
 * twice, late, for messages Relay does not know. Run on H2 and on PostgreSQL by the subclasses.
 */
abstract class AcknowledgementScenarios extends RelayIntegrationTest {

  private static final Duration MANY_MESSAGES = Duration.ofSeconds(90);

  @Test
  void ackOvertakesTheDispatchAnswer_distinctRooms_deliveredOnceEach() {
    String prefix = newId("race");
    List<String> ids = acceptAll(prefix, 50, i -> prefix + "-room-" + i);

    assertDeliveredByTheRacingAckOnly(prefix, ids);
  }

  @Test
  void ackOvertakesTheDispatchAnswer_oneRoom_deliveredOnceEach_inOrder() {
    String prefix = newId("race");
    String room = newId("room");
    List<String> ids = acceptAll(prefix, 20, i -> room);

    assertDeliveredByTheRacingAckOnly(prefix, ids);
    assertThat(provider.callsStartingWith(prefix).stream().map(call -> call.getHeader(IDEMPOTENCY_KEY)))
        .containsExactlyElementsOf(ids);
    JsonNode roomView = api.room(room).getBody();
    assertThat(roomView.get("lastSequence").asLong()).isEqualTo(20);
    assertThat(roomView.get("delivered").asLong()).isEqualTo(20);
    assertThat(roomView.get("waiting").asLong()).isZero();
    assertThat(roomView.get("turnHolder").isNull()).isTrue();
  }

  @Test
  void duplicateAck_recordedOnce_lateSentChangesNothing() {
    String id = newId("dup");
    api.send(newMessage(id, newId("room"), "text of " + id, null));
    eventually().until(() -> api.status(id), equalTo("DISPATCHED"));

    assertThat(webhook.send(delivered(id))).isEqualTo(200);
    assertThat(webhook.send(delivered(id))).isEqualTo(200);
    assertThat(webhook.send(delivered(id), delivered(id))).isEqualTo(200);

    JsonNode acknowledged = api.message(id);
    assertThat(acknowledged.get("status").asText()).isEqualTo("DELIVERED");
    assertThat(events(acknowledged)).containsOnlyOnce("DELIVERED", "TURN_PASSED");
    assertThat(activeActivities(id)).containsExactly("Gateway_AwaitRead");

    assertThat(webhook.send(status(id, "sent"))).isEqualTo(200);

    JsonNode afterSent = api.message(id);
    assertThat(afterSent.get("status").asText()).isEqualTo("DELIVERED");
    assertThat(afterSent.get("deliveredAt")).isEqualTo(acknowledged.get("deliveredAt"));
    assertThat(afterSent.get("timeline")).isEqualTo(acknowledged.get("timeline"));
    assertThat(activeActivities(id)).containsExactly("Gateway_AwaitRead");
    assertThat(recordedStatuses(id))
        .containsExactly(
            "DELIVERED APPLIED", "DELIVERED DUPLICATE", "DELIVERED DUPLICATE", "DELIVERED DUPLICATE", "SENT NOTED");
  }

  @Test
  void lateAckAfterUnconfirmed_staysUnconfirmed_fallbackMailed_sameKeyOnEveryAttempt() throws Exception {
    String id = newId("unconfirmed");
    String email = id + "@fallback.test";
    String body = "never confirmed: " + id;

    api.send(newMessage(id, newId("room"), body, email));

    eventually().until(() -> hasEnded(id));
    JsonNode given = api.message(id);
    assertThat(given.get("status").asText()).isEqualTo("UNCONFIRMED");
    assertThat(given.get("attempts").asInt()).isEqualTo(MAX_ATTEMPTS);
    assertThat(historicInstance(id).getEndActivityId()).isEqualTo("EndEvent_DeliveryGivenUp");
    // the room stopped waiting at the ACK gate; the resends went on regardless
    assertThat(events(given)).containsOnlyOnce("ACK_GATE_TIMEOUT", "TURN_PASSED");
    assertThat(events(given).stream().filter(e -> !e.equals("ACK_GATE_TIMEOUT") && !e.equals("TURN_PASSED")))
        .containsExactly(
            "ACCEPTED", "TURN_GRANTED", "DISPATCHED", "DISPATCHED", "DISPATCHED", "UNCONFIRMED", "FALLBACK_EMAIL_SENT");
    assertThat(timeline(given).stream().filter(s -> s.get("event").asText().equals("DISPATCHED")))
        .map(s -> s.get("attempt").asInt())
        .containsExactly(1, 2, 3);
    List<LoggedRequest> calls = provider.calls(id);
    assertThat(calls).hasSize(MAX_ATTEMPTS);
    assertThat(calls).allSatisfy(call -> {
      assertThat(call.getHeader(IDEMPOTENCY_KEY)).isEqualTo(id);
      assertThat(call.getBodyAsString()).isEqualTo(calls.get(0).getBodyAsString());
    });
    assertFallbackMail(email, body);

    assertThat(webhook.send(delivered(id))).isEqualTo(200);

    JsonNode late = api.message(id);
    assertThat(late.get("status").asText()).isEqualTo("UNCONFIRMED");
    assertThat(late.get("deliveredAt").isNull()).isTrue();
    assertThat(events(late)).endsWith("FALLBACK_EMAIL_SENT", "LATE_ACK").doesNotContain("DELIVERED");
    assertThat(recordedStatuses(id)).containsExactly("DELIVERED LATE");
    assertThat(provider.calls(id)).hasSize(MAX_ATTEMPTS);
    assertThat(mailbox.to(email)).hasSize(1);
  }

  /**
   * API.md §2: UNCONFIRMED means every attempt was made "and no ACK came". The last attempt must
   * be given time to be acknowledged like every other (a resend delay); here its ACK follows it
   * within milliseconds, once the attempt is recorded.
   */
  @Test
  void ackRightAfterTheLastAttempt_delivered_notUnconfirmed() {
    String id = newId("last");
    String email = id + "@fallback.test";

    api.send(newMessage(id, newId("room"), "last chance " + id, email));
    eventually().until(() -> api.message(id).get("attempts").asInt(), equalTo(MAX_ATTEMPTS));

    assertThat(webhook.send(delivered(id))).isEqualTo(200);

    assertThat(api.status(id)).isEqualTo("DELIVERED");
    assertThat(api.events(id)).doesNotContain("UNCONFIRMED", "LATE_ACK", "FALLBACK_EMAIL_SENT");
    assertThat(mailbox.to(email)).isEmpty();
  }

  @Test
  void ackForUnknownMessage_200_recordedAsUnknown_nothingChanges() {
    String ghost = newId("ghost");
    String ghostProviderId = "wamid." + newId("nobody");
    long messagesBefore = countMessages();

    assertThat(webhook.send(delivered(ghost))).isEqualTo(200);
    assertThat(webhook.send(new Status(ghostProviderId, null, "read"))).isEqualTo(200);

    assertThat(recordedStatuses(ghost)).containsExactly("DELIVERED UNKNOWN");
    assertThat(
            jdbc.queryForList(
                "select status || ' ' || outcome from relay_provider_status where provider_message_id = ?",
                String.class,
                ghostProviderId))
        .containsExactly("READ UNKNOWN");
    assertThat(api.get(ghost).getStatusCode()).isEqualTo(HttpStatus.NOT_FOUND);
    assertThat(countMessages()).isEqualTo(messagesBefore);
    assertThat(jdbc.queryForObject(
            "select count(*) from relay_message_event where message_id = ?", Long.class, ghost))
        .isZero();
    assertThat(deliveryInstanceCount(ghost)).isZero();
  }

  private List<String> acceptAll(String prefix, int count, IntFunction<String> room) {
    List<String> ids = IntStream.rangeClosed(1, count).mapToObj(i -> prefix + "-" + i).toList();
    provider.acknowledgeBeforeAnswering(prefix, webhook);
    for (int i = 0; i < count; i++) {
      String id = ids.get(i);
      assertThat(api.send(newMessage(id, room.apply(i + 1), "racing " + id, null)).getStatusCode())
          .isEqualTo(HttpStatus.ACCEPTED);
    }
    return ids;
  }

  /**
   * Each message DELIVERED by the ACK that overtook its dispatch's answer, after exactly one
   * provider call, with nothing left that could resend it or wait for another ACK.
   */
  private void assertDeliveredByTheRacingAckOnly(String prefix, List<String> ids) {
    eventually().atMost(MANY_MESSAGES).pollInterval(Duration.ofMillis(200))
        .until(() -> countDelivered(prefix), equalTo((long) ids.size()));
    assertThat(ids).allSatisfy(id -> {
      assertThat(provider.calls(id)).hasSize(1);
      assertThat(provider.callbackAnswers(id)).containsExactly(200);
      List<String> events = api.events(id);
      assertThat(events).containsOnlyOnce("DISPATCHED", "DELIVERED", "TURN_PASSED");
      // the ACK was stored before the dispatch's own record was: the race did happen
      assertThat(eventsInStoringOrder(id)).containsSubsequence("DELIVERED", "DISPATCHED");
      assertThat(activeActivities(id)).containsExactly("Gateway_AwaitRead");
      assertThat(waitsFor(id, MESSAGE_DELIVERY_ACKNOWLEDGED)).isFalse();
      assertThat(jobsAt(id, "Task_DispatchMessage")).isZero();
      assertThat(jobsAt(id, "Timer_ResendDue")).isZero();
    });
  }

  private long countDelivered(String prefix) {
    return jdbc.queryForObject(
        "select count(*) from relay_message where message_id like ? and status = 'DELIVERED'",
        Long.class,
        prefix + "-%");
  }

  private List<String> eventsInStoringOrder(String messageId) {
    return jdbc.queryForList(
        "select event from relay_message_event where message_id = ? order by id", String.class, messageId);
  }

  private long countMessages() {
    return jdbc.queryForObject("select count(*) from relay_message", Long.class);
  }
}
