package dev.relay.webhook;

import static dev.relay.support.ProviderStub.IDEMPOTENCY_KEY;
import static dev.relay.support.RelayApi.events;
import static dev.relay.support.RelayApi.newMessage;
import static dev.relay.support.WebhookClient.delivered;
import static dev.relay.support.WebhookClient.read;
import static dev.relay.support.WebhookClient.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import dev.relay.delivery.MessageResendProcess;
import dev.relay.room.RoomDeliveryProcess;
import dev.relay.support.DeliveryIntegrationTest;
import dev.relay.support.ProviderStub;
import dev.relay.support.WebhookClient;
import dev.relay.support.WebhookClient.Status;
import java.time.Duration;
import java.util.List;
import java.util.function.IntFunction;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.camunda.bpm.engine.history.HistoricProcessInstance;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;

/**
 * Delivery reports as providers really send them (API.md §4): before the dispatch's own answer,
 * twice, out of order, late, several in one request, for messages Relay does not know. Run on H2
 * and on PostgreSQL by the subclasses.
 */
abstract class AcknowledgementScenarios extends DeliveryIntegrationTest {

  private static final Duration MANY_MESSAGES = Duration.ofSeconds(90);

  @Test
  void ackOvertakesTheDispatchAnswer_distinctRooms_deliveredOnceEach() {
    String prefix = newId("race");
    List<String> ids = acceptAll(prefix, 50, i -> prefix + "-room-" + i);

    assertDeliveredByTheRacingAckOnly(prefix, ids);
    for (int i = 1; i <= ids.size(); i++) {
      assertTheRoomNeverWaitedForTheAck(prefix + "-room-" + i);
    }
  }

  @Test
  void ackOvertakesTheDispatchAnswer_oneRoom_deliveredOnceEach_inOrder() {
    String prefix = newId("race");
    String room = newId("room");
    List<String> ids = acceptAll(prefix, 20, i -> room);

    assertDeliveredByTheRacingAckOnly(prefix, ids);
    assertThat(provider.callsStartingWith(prefix).stream().map(call -> call.getHeader(IDEMPOTENCY_KEY)))
        .containsExactlyElementsOf(ids);
    assertTheRoomNeverWaitedForTheAck(room);
    JsonNode roomView = api.room(room).getBody();
    assertThat(roomView.get("lastSequence").asLong()).isEqualTo(20);
    assertThat(roomView.get("delivered").asLong()).isEqualTo(20);
    assertThat(roomView.get("waiting").asLong()).isZero();
    assertThat(roomView.get("turnHolder").isNull()).isTrue();
    // one instance worked the room's whole queue, each message in its own turn
    assertThat(passedActivities(historicRoomInstance(room).getId()).stream().filter("Task_DispatchMessage"::equals))
        .hasSize(20);
  }

  @Test
  void duplicateAck_recordedOnce_lateSentChangesNothing() {
    String id = newId("dup");
    String room = newId("room");
    WebhookClient patientWebhook = webhookOf(PATIENT_CHANNEL);
    api.send(newMessageOn(PATIENT_CHANNEL, id, room, "text of " + id, null));
    awaitRoomWaitsForReport(room, id);

    assertThat(patientWebhook.send(delivered(id))).isEqualTo(200);
    assertThat(patientWebhook.send(delivered(id))).isEqualTo(200);
    assertThat(patientWebhook.send(delivered(id), delivered(id))).isEqualTo(200);

    JsonNode acknowledged = api.message(id);
    assertThat(acknowledged.get("status").asText()).isEqualTo("DELIVERED");
    assertThat(events(acknowledged)).containsOnlyOnce("DELIVERED");
    assertThat(activeActivities(roomInstance(room))).containsExactly(AWAIT_NEXT_MESSAGE);

    assertThat(patientWebhook.send(status(id, "sent"))).isEqualTo(200);

    JsonNode afterSent = api.message(id);
    assertThat(afterSent.get("status").asText()).isEqualTo("DELIVERED");
    assertThat(afterSent.get("deliveredAt")).isEqualTo(acknowledged.get("deliveredAt"));
    assertThat(afterSent.get("timeline")).isEqualTo(acknowledged.get("timeline"));
    assertThat(activeActivities(roomInstance(room))).containsExactly(AWAIT_NEXT_MESSAGE);
    assertThat(historicResendInstance(id)).isNull();
    assertThat(recordedStatuses(id))
        .containsExactly(
            "DELIVERED APPLIED", "DELIVERED DUPLICATE", "DELIVERED DUPLICATE", "DELIVERED DUPLICATE", "SENT NOTED");
    assertThat(provider.calls(id)).hasSize(1);

    // known by its provider id alone, as a provider may report it
    assertThat(patientWebhook.send(new Status(ProviderStub.providerId(id), null, "sent"))).isEqualTo(200);
    assertThat(jdbc.queryForList(
            "select status || ' ' || outcome from relay_provider_status"
                + " where provider_message_id = ? and reference is null",
            String.class, ProviderStub.providerId(id)))
        .containsExactly("SENT NOTED");
  }

  @Test
  void staleStatuses_afterRead_nothingGoesBackwards() {
    String id = newId("stale");
    String room = newId("room");
    WebhookClient patientWebhook = webhookOf(PATIENT_CHANNEL);
    api.send(newMessageOn(PATIENT_CHANNEL, id, room, "text of " + id, null));
    awaitRoomWaitsForReport(room, id);
    assertThat(patientWebhook.send(delivered(id))).isEqualTo(200);
    assertThat(patientWebhook.send(read(id))).isEqualTo(200);
    JsonNode readView = api.message(id);

    assertThat(patientWebhook.send(delivered(id))).isEqualTo(200);
    assertThat(patientWebhook.send(status(id, "failed"))).isEqualTo(200);
    assertThat(patientWebhook.send(status(id, "sent"))).isEqualTo(200);
    assertThat(patientWebhook.send(read(id))).isEqualTo(200);

    JsonNode after = api.message(id);
    assertThat(after.get("status").asText()).isEqualTo("READ");
    assertThat(after.get("deliveredAt")).isEqualTo(readView.get("deliveredAt"));
    assertThat(after.get("readAt")).isEqualTo(readView.get("readAt"));
    assertThat(after.get("timeline")).isEqualTo(readView.get("timeline"));
    assertThat(events(after)).containsExactly("ACCEPTED", "TURN_GRANTED", "DISPATCHED", "DELIVERED", "READ");
    assertThat(recordedStatuses(id))
        .containsExactly(
            "DELIVERED APPLIED", "READ APPLIED", "DELIVERED DUPLICATE", "FAILED STALE", "SENT NOTED", "READ DUPLICATE");
    assertThat(activeActivities(roomInstance(room))).containsExactly(AWAIT_NEXT_MESSAGE);
    assertThat(historicResendInstance(id)).isNull();
    assertThat(historicFallbackInstance(id)).isNull();
  }

  @Test
  void readBeforeDelivered_isTheAck_roomMovesOn() {
    String id = newId("read-first");
    String next = newId("next");
    String room = newId("room");
    WebhookClient patientWebhook = webhookOf(PATIENT_CHANNEL);
    api.send(newMessageOn(PATIENT_CHANNEL, id, room, "text of " + id, null));
    api.send(newMessageOn(PATIENT_CHANNEL, next, room, "text of " + next, null));
    awaitRoomWaitsForReport(room, id);

    assertThat(patientWebhook.send(read(id))).isEqualTo(200);

    JsonNode view = api.message(id);
    assertThat(view.get("status").asText()).isEqualTo("READ");
    assertThat(view.get("deliveredAt").isNull()).isFalse();
    assertThat(view.get("readAt").isNull()).isFalse();
    assertThat(events(view)).containsExactly("ACCEPTED", "TURN_GRANTED", "DISPATCHED", "DELIVERED", "READ");
    awaitRoomWaitsForReport(room, next);
    assertThat(passedActivities(roomInstance(room).getId()))
        .containsSubsequence(AWAIT_DELIVERY_REPORT, "Gateway_Delivered", "Task_TakeNextMessage", "Task_DispatchMessage")
        .doesNotContain("Timer_AckGateTimeout", "Task_HandOverMessage");
    assertThat(historicResendInstance(id)).isNull();

    // the delivered that follows its read is nothing new
    assertThat(patientWebhook.send(delivered(id))).isEqualTo(200);
    assertThat(patientWebhook.send(delivered(next))).isEqualTo(200);
    assertThat(api.status(id)).isEqualTo("READ");
    assertThat(recordedStatuses(id)).containsExactly("READ APPLIED", "DELIVERED DUPLICATE");
    assertThat(provider.calls(id)).hasSize(1);
    assertThat(api.status(next)).isEqualTo("DELIVERED");
  }

  @Test
  void readWhileItsOwnInstanceResends_isTheAck_resendsStop() {
    String id = newId("read-late");
    String room = newId("room");
    api.send(newMessageOn(RESEND_CHANNEL, id, room, "text of " + id, null));
    awaitResendWaitsForReport(id, 2);

    assertThat(webhookOf(RESEND_CHANNEL).send(read(id))).isEqualTo(200);

    assertThat(api.status(id)).isEqualTo("READ");
    assertThat(api.events(id))
        .containsExactly(
            "ACCEPTED", "TURN_GRANTED", "DISPATCHED", "ACK_GATE_TIMEOUT", "DISPATCHED", "DELIVERED", "READ");
    assertThat(resendInstance(id)).isNull();
    assertThat(historicResendInstance(id).getEndActivityId()).isEqualTo("EndEvent_Delivered");
    assertThat(recordedStatuses(id)).containsExactly("READ APPLIED");
    assertThat(provider.calls(id)).hasSize(2);
  }

  @Test
  void severalStatusesInOneRequest_eachAppliedInOrder_bothRoomsMoveOn() {
    String first = newId("batch");
    String second = newId("batch");
    String firstRoom = newId("room");
    String secondRoom = newId("room");
    api.send(newMessageOn(PATIENT_CHANNEL, first, firstRoom, "text of " + first, null));
    api.send(newMessageOn(PATIENT_CHANNEL, second, secondRoom, "text of " + second, null));
    awaitRoomWaitsForReport(firstRoom, first);
    awaitRoomWaitsForReport(secondRoom, second);

    assertThat(webhookOf(PATIENT_CHANNEL).send(status(first, "sent"), delivered(first), delivered(second), read(first), delivered(first)))
        .isEqualTo(200);

    assertThat(api.status(first)).isEqualTo("READ");
    assertThat(api.status(second)).isEqualTo("DELIVERED");
    assertThat(recordedStatuses(first))
        .containsExactly("SENT NOTED", "DELIVERED APPLIED", "READ APPLIED", "DELIVERED DUPLICATE");
    assertThat(recordedStatuses(second)).containsExactly("DELIVERED APPLIED");
    assertThat(api.events(first)).containsExactly("ACCEPTED", "TURN_GRANTED", "DISPATCHED", "DELIVERED", "READ");
    assertThat(api.events(second)).containsExactly("ACCEPTED", "TURN_GRANTED", "DISPATCHED", "DELIVERED");
    assertThat(activeActivities(roomInstance(firstRoom))).containsExactly(AWAIT_NEXT_MESSAGE);
    assertThat(activeActivities(roomInstance(secondRoom))).containsExactly(AWAIT_NEXT_MESSAGE);
  }

  @Test
  void lateAckAfterUnconfirmed_recordedAsLateAck_nothingElse() throws Exception {
    String id = newId("unconfirmed");
    String room = newId("room");
    String email = id + "@fallback.test";
    String body = "never confirmed: " + id;
    api.send(newMessage(id, room, body, email));
    HistoricProcessInstance resend = awaitResendEnded(id);
    assertThat(resend.getEndActivityId()).isEqualTo("EndEvent_GivenUp");
    JsonNode given = api.message(id);
    assertThat(given.get("status").asText()).isEqualTo("UNCONFIRMED");
    assertThat(events(given)).endsWith("UNCONFIRMED", "FALLBACK_EMAIL_SENT");
    assertFallbackMail(email, body);

    assertThat(webhook.send(delivered(id))).isEqualTo(200);
    assertThat(webhook.send(read(id))).isEqualTo(200);
    assertThat(webhook.send(status(id, "failed"))).isEqualTo(200);

    JsonNode late = api.message(id);
    assertThat(late.get("status").asText()).isEqualTo("UNCONFIRMED");
    assertThat(late.get("deliveredAt").isNull()).isTrue();
    assertThat(late.get("readAt").isNull()).isTrue();
    assertThat(late.get("attempts")).isEqualTo(given.get("attempts"));
    assertThat(events(late))
        .containsExactlyElementsOf(concat(events(given), "LATE_ACK", "LATE_ACK"))
        .doesNotContain("DELIVERED", "READ");
    assertThat(recordedStatuses(id)).containsExactly("DELIVERED LATE", "READ LATE", "FAILED STALE");
    // nothing started, nothing resent, nobody mailed again
    assertThat(instanceCount(MessageResendProcess.KEY, id)).isEqualTo(1);
    assertThat(instanceCount(RoomDeliveryProcess.KEY, room)).isEqualTo(1);
    assertThat(historicFallbackInstance(id)).isNotNull();
    assertThat(resendInstance(id)).isNull();
    assertThat(provider.calls(id)).hasSize(MAX_ATTEMPTS);
    assertThat(mailbox.to(email)).hasSize(1);
  }

  /**
   * API.md §2: UNCONFIRMED means every attempt was made "and no ACK came". The last attempt must
   * be given time to be acknowledged like every other (a resend delay); here its ACK follows it.
   */
  @Test
  void ackAfterTheLastAttempt_delivered_notUnconfirmed() {
    String id = newId("last");
    String email = id + "@fallback.test";

    api.send(newMessageOn(RESEND_CHANNEL, id, newId("room"), "last chance " + id, email));
    awaitResendWaitsForReport(id, RESEND_CHANNEL_MAX_ATTEMPTS);

    assertThat(webhookOf(RESEND_CHANNEL).send(delivered(id))).isEqualTo(200);

    assertThat(api.status(id)).isEqualTo("DELIVERED");
    assertThat(api.events(id))
        .containsExactly("ACCEPTED", "TURN_GRANTED", "DISPATCHED", "ACK_GATE_TIMEOUT", "DISPATCHED", "DELIVERED");
    HistoricProcessInstance resend = historicResendInstance(id);
    assertThat(resend.getEndActivityId()).isEqualTo("EndEvent_Delivered");
    assertThat(passedActivities(resend.getId())).doesNotContain("Task_MarkUnconfirmed", "CallActivity_FallbackNotification");
    assertThat(historicFallbackInstance(id)).isNull();
    assertThat(mailbox.to(email)).isEmpty();
  }

  @Test
  void ackForUnknownMessage_200_recordedAsUnknown_nothingChanges() {
    String ghost = newId("ghost");
    String ghostProviderId = "wamid." + newId("nobody");
    long messagesBefore = countMessages();

    assertThat(webhook.send(delivered(ghost))).isEqualTo(200);
    assertThat(webhook.send(new Status(ghostProviderId, null, "read"))).isEqualTo(200);
    assertThat(webhook.send(new Status(null, ghost, "failed"))).isEqualTo(200);
    assertThat(webhook.send(new Status(ghostProviderId, ghost, "sent"))).isEqualTo(200);

    assertThat(recordedStatuses(ghost)).containsExactly("DELIVERED UNKNOWN", "FAILED UNKNOWN", "SENT UNKNOWN");
    assertThat(
            jdbc.queryForList(
                "select status || ' ' || outcome from relay_provider_status where provider_message_id = ? order by id",
                String.class,
                ghostProviderId))
        .containsExactly("READ UNKNOWN", "SENT UNKNOWN");
    assertThat(api.get(ghost).getStatusCode()).isEqualTo(HttpStatus.NOT_FOUND);
    assertThat(countMessages()).isEqualTo(messagesBefore);
    assertThat(jdbc.queryForObject(
            "select count(*) from relay_message_event where message_id = ?", Long.class, ghost))
        .isZero();
    assertThat(instanceCount(MessageResendProcess.KEY, ghost)).isZero();
    assertThat(instanceCount(RoomDeliveryProcess.KEY, ghost)).isZero();
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
    // delivered by the ACK, and the dispatch that it overtook has committed too
    eventually().atMost(MANY_MESSAGES).pollInterval(Duration.ofMillis(200))
        .until(() -> countDeliveredAtFirstAttempt(prefix), equalTo((long) ids.size()));
    assertThat(ids).allSatisfy(id -> {
      assertThat(provider.calls(id)).hasSize(1);
      assertThat(provider.callbackAnswers(id)).containsExactly(200);
      assertThat(api.events(id)).containsExactly("ACCEPTED", "TURN_GRANTED", "DISPATCHED", "DELIVERED");
      assertThat(recordedStatuses(id)).containsExactly("DELIVERED APPLIED");
      assertThat(historicResendInstance(id)).isNull();
    });
  }

  /**
   * The room's one instance found each ACK when its dispatch returned and went straight on: it
   * never waited at the ACK gate (it may have ended idle since).
   */
  private void assertTheRoomNeverWaitedForTheAck(String roomId) {
    HistoricProcessInstance room = historicRoomInstance(roomId);
    assertThat(passedActivities(room.getId()))
        .contains("Task_DispatchMessage")
        .doesNotContain(AWAIT_DELIVERY_REPORT, "Timer_AckGateTimeout", "Task_HandOverMessage");
    assertThat(management.createJobQuery().processInstanceId(room.getId()).activityId("Timer_AckGateTimeout").count())
        .isZero();
  }

  /** The room's one RoomDeliveryProcess instance, running or ended. */
  private HistoricProcessInstance historicRoomInstance(String roomId) {
    return history.createHistoricProcessInstanceQuery()
        .processDefinitionKey(RoomDeliveryProcess.KEY)
        .processInstanceBusinessKey(roomId)
        .singleResult();
  }

  private long countDeliveredAtFirstAttempt(String prefix) {
    return jdbc.queryForObject(
        "select count(*) from relay_message where message_id like ? and status = 'DELIVERED' and attempts = 1",
        Long.class,
        prefix + "-%");
  }

  private long countMessages() {
    return jdbc.queryForObject("select count(*) from relay_message", Long.class);
  }

  private static List<String> concat(List<String> events, String... more) {
    return Stream.concat(events.stream(), Stream.of(more)).toList();
  }
}
