package dev.relay.delivery;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static dev.relay.support.ProviderStub.IDEMPOTENCY_KEY;
import static dev.relay.support.RelayApi.events;
import static dev.relay.support.RelayApi.newMessage;
import static dev.relay.support.RelayApi.timeline;
import static dev.relay.support.WebhookClient.delivered;
import static dev.relay.support.WebhookClient.read;
import static dev.relay.support.WebhookClient.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.relay.fallback.FallbackNotificationProcess;
import dev.relay.room.RoomDeliveryProcess;
import dev.relay.support.DeliveryIntegrationTest;
import dev.relay.support.ProviderStub;
import dev.relay.support.RelayApi;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.camunda.bpm.engine.history.HistoricProcessInstance;
import org.camunda.bpm.engine.runtime.EventSubscription;
import org.camunda.bpm.engine.runtime.Incident;
import org.camunda.bpm.engine.runtime.Job;
import org.camunda.bpm.engine.runtime.ProcessInstance;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.PayloadApplicationEvent;
import org.springframework.context.event.ApplicationEventMulticaster;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

/**
 * A message's way through Relay end to end (API.md §1, §2, §4): intake, its room's instance, the
 * provider call, the callbacks, the resends of its own MessageResendProcess, the fallback e-mail.
 * Run on H2 and on PostgreSQL by the subclasses.
 */
abstract class DeliveryScenarios extends DeliveryIntegrationTest {

  private final ObjectMapper json = new ObjectMapper();
  @Autowired private ApplicationContext context;

  @Test
  void happyPath_oneProviderCall_roomWaitsForTheAck_deliveredByWebhook_thenRead() throws Exception {
    String id = newId("happy");
    String room = newId("room");
    String body = "hello from " + id;

    ResponseEntity<JsonNode> accepted = api.send(newMessageOn(PATIENT_CHANNEL, id, room, body, null));

    assertThat(accepted.getStatusCode()).isEqualTo(HttpStatus.ACCEPTED);
    assertThat(accepted.getHeaders().getLocation()).hasToString("/api/messages/" + id);
    assertThat(accepted.getBody().get("messageId").asText()).isEqualTo(id);
    assertThat(accepted.getBody().get("roomId").asText()).isEqualTo(room);
    assertThat(accepted.getBody().get("sequence").asLong()).isEqualTo(1);
    assertThat(accepted.getBody().get("status").asText()).isIn("QUEUED", "DISPATCHED");

    awaitRoomWaitsForReport(room, id);
    ProcessInstance roomInstance = roomInstance(room);
    LoggedRequest call = single(provider.calls(id));
    assertThat(call.getHeader("Authorization")).isEqualTo("Bearer " + API_TOKEN);
    assertThat(call.getHeader(IDEMPOTENCY_KEY)).isEqualTo(id);
    assertThat(call.getHeader("Content-Type")).startsWith(MediaType.APPLICATION_JSON_VALUE);
    assertThat(json.readTree(call.getBodyAsString()))
        .isEqualTo(json.valueToTree(Map.of("to", RelayApi.TO, "body", body, "reference", id)));
    assertThat(api.status(id)).isEqualTo("DISPATCHED");
    assertThat(activeActivities(roomInstance)).containsExactly(AWAIT_DELIVERY_REPORT);
    assertThat(jobsAt(roomInstance, "Timer_AckGateTimeout")).isEqualTo(1);
    // what an operator sees: the message it works on; the gate's channel was transient
    assertThat(runtime.getVariables(roomInstance.getId()))
        .containsOnlyKeys(RoomDeliveryProcess.VAR_MESSAGE_ID)
        .containsEntry(RoomDeliveryProcess.VAR_MESSAGE_ID, id);
    JsonNode busyRoom = api.room(room).getBody();
    assertThat(busyRoom.get("turnHolder").asText()).isEqualTo(id);
    assertThat(busyRoom.get("lastSequence").asLong()).isEqualTo(1);
    assertThat(busyRoom.get("waiting").asLong()).isZero();

    assertThat(webhookOf(PATIENT_CHANNEL).send(delivered(id))).isEqualTo(200);

    JsonNode view = api.message(id);
    assertThat(view.get("status").asText()).isEqualTo("DELIVERED");
    assertThat(view.get("attempts").asInt()).isEqualTo(1);
    assertThat(view.get("providerMessageId").asText()).isEqualTo(ProviderStub.providerId(id));
    assertThat(view.get("dispatchedAt").isNull()).isFalse();
    assertThat(view.get("deliveredAt").isNull()).isFalse();
    assertThat(view.get("readAt").isNull()).isTrue();
    assertThat(events(view)).containsExactly("ACCEPTED", "TURN_GRANTED", "DISPATCHED", "DELIVERED");
    assertThat(timeline(view).get(2).get("attempt").asInt()).isEqualTo(1);
    // the same instance took the room's next message in the ACK's transaction: there is none
    assertThat(roomInstance(room).getId()).isEqualTo(roomInstance.getId());
    assertThat(activeActivities(roomInstance)).containsExactly(AWAIT_NEXT_MESSAGE);
    assertThat(currentMessage(room)).isNull();
    assertThat(jobsAt(roomInstance, "Timer_AckGateTimeout")).isZero();
    assertThat(jobsAt(roomInstance, "Timer_RoomIdle")).isEqualTo(1);
    assertThat(passedActivities(roomInstance.getId()))
        .containsSubsequence(
            "StartEvent_MessageQueued",
            "Task_TakeNextMessage",
            "Task_DispatchMessage",
            AWAIT_DELIVERY_REPORT,
            "Gateway_Delivered",
            "Task_TakeNextMessage")
        .doesNotContain("Timer_AckGateTimeout", "Task_HandOverMessage");
    JsonNode idleRoom = api.room(room).getBody();
    assertThat(idleRoom.get("turnHolder").isNull()).isTrue();
    assertThat(idleRoom.get("delivered").asLong()).isEqualTo(1);
    assertThat(idleRoom.get("waiting").asLong()).isZero();
    assertThat(historicResendInstance(id)).isNull();

    assertThat(webhookOf(PATIENT_CHANNEL).send(read(id))).isEqualTo(200);

    JsonNode readView = api.message(id);
    assertThat(readView.get("status").asText()).isEqualTo("READ");
    assertThat(readView.get("readAt").isNull()).isFalse();
    assertThat(readView.get("deliveredAt")).isEqualTo(view.get("deliveredAt"));
    assertThat(events(readView))
        .containsExactly("ACCEPTED", "TURN_GRANTED", "DISPATCHED", "DELIVERED", "READ");
    // nobody waited for the read: it was recorded, and no instance moved or started
    assertThat(recordedStatuses(id)).containsExactly("DELIVERED APPLIED", "READ APPLIED");
    assertThat(activeActivities(roomInstance)).containsExactly(AWAIT_NEXT_MESSAGE);
    assertThat(
            runtime.createEventSubscriptionQuery().processInstanceId(roomInstance.getId()).list()
                .stream().map(EventSubscription::getEventName))
        .containsExactly(RoomDeliveryProcess.MESSAGE_QUEUED);
    assertThat(instanceCount(RoomDeliveryProcess.KEY, room)).isEqualTo(1);
    assertThat(historicResendInstance(id)).isNull();
    assertThat(provider.calls(id)).hasSize(1);

    // what Prometheus sees of it (other tests of this context count on the same meters)
    String channel = "channel=\"" + PATIENT_CHANNEL + "\"";
    List<String> scrape = api.prometheus().lines().toList();
    assertThat(scrape)
        .anyMatch(line -> line.startsWith("relay_messages_accepted_total{") && line.contains(channel)
            && line.contains("source=\"rest\""))
        .anyMatch(line -> line.startsWith("relay_messages_dispatched_total{") && line.contains(channel)
            && line.contains("attempt=\"first\""))
        .anyMatch(line -> line.startsWith("relay_messages_outcome_total{") && line.contains(channel)
            && line.contains("status=\"DELIVERED\""))
        .anyMatch(line -> line.startsWith("relay_messages_outcome_total{") && line.contains(channel)
            && line.contains("status=\"READ\""))
        .anyMatch(line -> line.startsWith("relay_ack_delay_seconds_bucket{") && line.contains(channel))
        .anyMatch(line -> line.startsWith("relay_turn_dispatch_seconds_count{") && line.contains(channel)
            && !line.endsWith(" 0.0"))
        .anyMatch(line -> line.startsWith("relay_rooms_open "))
        .anyMatch(line -> line.startsWith("relay_messages_waiting "))
        .anyMatch(line -> line.startsWith("relay_engine_incidents "))
        .anyMatch(line -> line.startsWith("relay_engine_jobs_due "));
  }

  @Test
  void aDelivery_publishesNoEngineEventsAsSpringEvents_nobodyListensForThem() throws Exception {
    List<Object> published = new CopyOnWriteArrayList<>();
    ApplicationListener<ApplicationEvent> listener =
        event -> {
          Object payload = event instanceof PayloadApplicationEvent<?> p ? p.getPayload() : event;
          if (payload.getClass().getName().startsWith("org.camunda.")) {
            published.add(payload);
          }
        };
    ApplicationEventMulticaster events = context.getBean(ApplicationEventMulticaster.class);
    events.addApplicationListener(listener);
    try {
      String id = newId("quiet");
      String room = newId("room");
      api.send(newMessageOn(PATIENT_CHANNEL, id, room, "text of " + id, null));
      awaitRoomWaitsForReport(room, id);
      assertThat(webhookOf(PATIENT_CHANNEL).send(delivered(id))).isEqualTo(200);

      assertThat(api.status(id)).isEqualTo("DELIVERED");
      assertThat(passedActivities(roomInstance(room).getId()))
          .as("history is still written")
          .contains("Task_DispatchMessage", AWAIT_DELIVERY_REPORT);
      assertThat(published).isEmpty();
    } finally {
      events.removeApplicationListener(listener);
    }
  }

  @Test
  void noAck_gateTimesOut_roomMovesOn_resentWithTheSameKeyOnSchedule_untilTheAck() {
    String id = newId("unacked");
    String next = newId("next");
    String room = newId("room");
    api.send(newMessageOn(RESEND_CHANNEL, id, room, "text of " + id, null));
    api.send(newMessageOn(PATIENT_CHANNEL, next, room, "text of " + next, null));

    // no ACK within the gate: the room goes on to its next message, the message on alone
    awaitRoomWaitsForReport(room, next);
    assertThat(webhookOf(PATIENT_CHANNEL).send(delivered(next))).isEqualTo(200);
    assertThat(passedActivities(roomInstance(room).getId()))
        .containsSubsequence(
            "Task_DispatchMessage", "Timer_AckGateTimeout", "Task_HandOverMessage", "Task_TakeNextMessage");
    assertThat(at(next, "TURN_GRANTED")).isAfterOrEqualTo(at(id, "ACK_GATE_TIMEOUT"));

    awaitResendWaitsForReport(id, 2);

    ProcessInstance resend = resendInstance(id);
    assertThat(runtime.getVariable(resend.getId(), MessageResendProcess.VAR_CHANNEL)).isEqualTo(RESEND_CHANNEL);
    assertThat(runtime.getVariable(resend.getId(), MessageResendProcess.VAR_ATTEMPT)).isEqualTo(2);
    JsonNode resent = api.message(id);
    assertThat(resent.get("status").asText()).isEqualTo("DISPATCHED");
    assertThat(events(resent)).containsExactly("ACCEPTED", "TURN_GRANTED", "DISPATCHED", "ACK_GATE_TIMEOUT", "DISPATCHED");
    List<LoggedRequest> calls = provider.calls(id);
    assertThat(calls).hasSize(2);
    assertThat(calls).allSatisfy(call -> {
      assertThat(call.getHeader(IDEMPOTENCY_KEY)).isEqualTo(id);
      assertThat(call.getBodyAsString()).isEqualTo(calls.get(0).getBodyAsString());
    });
    // the resend was due at the first attempt plus its delay; the last attempt waits its own
    Instant firstAttempt = Instant.parse(resent.get("dispatchedAt").asText());
    assertThat(resendTimersDue(resend.getId()))
        .containsExactly(
            dueAfter(firstAttempt, RESEND_CHANNEL_DELAYS.subList(0, 1)), dueAfter(firstAttempt, RESEND_CHANNEL_DELAYS));
    assertThat(calls.get(1).getLoggedDate().toInstant())
        .isAfterOrEqualTo(dueAfter(firstAttempt, RESEND_CHANNEL_DELAYS.subList(0, 1)));
    assertThat(jobsAt(resend, "Timer_ResendDue")).isEqualTo(1);
    assertThat(api.prometheus().lines())
        .anyMatch(line -> line.startsWith("relay_messages_events_total{")
            && line.contains("event=\"ACK_GATE_TIMEOUT\""))
        .anyMatch(line -> line.startsWith("relay_messages_dispatched_total{")
            && line.contains("channel=\"" + RESEND_CHANNEL + "\"") && line.contains("attempt=\"resend\""));

    assertThat(webhookOf(RESEND_CHANNEL).send(delivered(id))).isEqualTo(200);

    JsonNode view = api.message(id);
    assertThat(view.get("status").asText()).isEqualTo("DELIVERED");
    assertThat(view.get("attempts").asInt()).isEqualTo(2);
    assertThat(events(view))
        .containsExactly("ACCEPTED", "TURN_GRANTED", "DISPATCHED", "ACK_GATE_TIMEOUT", "DISPATCHED", "DELIVERED");
    assertThat(timeline(view).stream().filter(step -> step.get("event").asText().equals("DISPATCHED")))
        .map(step -> step.get("attempt").asInt())
        .containsExactly(1, 2);
    // the ACK ended the instance: nothing is left that could resend the message or give it up
    assertThat(resendInstance(id)).isNull();
    assertThat(management.createJobQuery().processInstanceId(resend.getId()).count()).isZero();
    HistoricProcessInstance ended = historicResendInstance(id);
    assertThat(ended.getState()).isEqualTo(HistoricProcessInstance.STATE_COMPLETED);
    assertThat(ended.getEndActivityId()).isEqualTo("EndEvent_Delivered");
    assertThat(passedActivities(ended.getId()))
        .containsSubsequence(
            "StartEvent_HandedOver", "Timer_ResendDue", "Task_ResendMessage", AWAIT_DELIVERY_REPORT, "EndEvent_Delivered")
        .containsOnlyOnce("Task_ResendMessage")
        .doesNotContain("Task_MarkUnconfirmed", "CallActivity_FallbackNotification");
    assertThat(historicFallbackInstance(id)).isNull();
    assertThat(provider.calls(id)).hasSize(2);
    assertThat(api.status(next)).isEqualTo("DELIVERED");
  }

  @Test
  void neverAcked_unconfirmedAfterMaxAttempts_fallbackMailed() throws Exception {
    String id = newId("unconfirmed");
    String email = id + "@fallback.test";
    String body = "never confirmed: " + id;

    api.send(newMessage(id, newId("room"), body, email));

    HistoricProcessInstance resend = awaitResendEnded(id);
    assertThat(resend.getState()).isEqualTo(HistoricProcessInstance.STATE_COMPLETED);
    assertThat(resend.getEndActivityId()).isEqualTo("EndEvent_GivenUp");
    JsonNode view = api.message(id);
    assertThat(view.get("status").asText()).isEqualTo("UNCONFIRMED");
    assertThat(view.get("attempts").asInt()).isEqualTo(MAX_ATTEMPTS);
    assertThat(view.get("deliveredAt").isNull()).isTrue();
    assertThat(events(view))
        .containsExactly(
            "ACCEPTED", "TURN_GRANTED", "DISPATCHED", "ACK_GATE_TIMEOUT", "DISPATCHED", "DISPATCHED",
            "UNCONFIRMED", "FALLBACK_EMAIL_SENT");
    List<LoggedRequest> calls = provider.calls(id);
    assertThat(calls).hasSize(MAX_ATTEMPTS);
    assertThat(calls).allSatisfy(call -> {
      assertThat(call.getHeader(IDEMPOTENCY_KEY)).isEqualTo(id);
      assertThat(call.getBodyAsString()).isEqualTo(calls.get(0).getBodyAsString());
    });
    // attempts 2 and 3 at the first attempt plus the delays so far, the last delay repeated once
    // more before giving up: that attempt too had its time to be acknowledged
    Instant firstAttempt = Instant.parse(view.get("dispatchedAt").asText());
    assertThat(resendTimersDue(resend.getId()))
        .containsExactly(
            dueAfter(firstAttempt, RESEND_DELAYS.subList(0, 1)),
            dueAfter(firstAttempt, RESEND_DELAYS),
            dueAfter(firstAttempt, List.of(RESEND_DELAYS.get(0), RESEND_DELAYS.get(1), RESEND_DELAYS.get(1))));
    assertThat(calls.get(1).getLoggedDate().toInstant()).isAfterOrEqualTo(dueAfter(firstAttempt, RESEND_DELAYS.subList(0, 1)));
    assertThat(calls.get(2).getLoggedDate().toInstant()).isAfterOrEqualTo(dueAfter(firstAttempt, RESEND_DELAYS));
    assertThat(passedActivities(resend.getId()))
        .containsSubsequence(
            "StartEvent_HandedOver",
            "Task_ResendMessage",
            "Task_ResendMessage",
            "Timer_ResendDue",
            "Gateway_AttemptsLeft",
            "Task_MarkUnconfirmed",
            "CallActivity_FallbackNotification",
            "EndEvent_GivenUp")
        .doesNotContain("EndEvent_Delivered");
    assertFallbackNotified(id, resend);
    assertFallbackMail(email, body);
  }

  @Test
  void permanentRejection_failed_fallbackMailed_roomMovesOnAtOnce() throws Exception {
    String rejected = newId("rejected");
    String next = newId("next");
    String room = newId("room");
    String email = rejected + "@fallback.test";
    String body = "rejected text of " + rejected;
    provider.answer(rejected, aResponse().withStatus(400).withBody("{\"error\": \"no such recipient\"}"));

    assertThat(api.send(newMessage(rejected, room, body, email)).getStatusCode()).isEqualTo(HttpStatus.ACCEPTED);
    assertThat(api.send(newMessageOn(PATIENT_CHANNEL, next, room, "text of " + next, null)).getStatusCode())
        .isEqualTo(HttpStatus.ACCEPTED);

    // the room did not wait for an ACK that cannot come
    awaitRoomWaitsForReport(room, next);
    assertThat(webhookOf(PATIENT_CHANNEL).send(delivered(next))).isEqualTo(200);
    assertThat(passedActivities(roomInstance(room).getId()))
        .containsSubsequence("Task_DispatchMessage", "Task_HandOverMessage", "Task_TakeNextMessage", "Task_DispatchMessage")
        .doesNotContain("Timer_AckGateTimeout");
    assertThat(provider.calls(next).get(0).getLoggedDate())
        .isAfterOrEqualTo(single(provider.calls(rejected)).getLoggedDate());

    HistoricProcessInstance resend = awaitResendEnded(rejected);
    assertThat(resend.getEndActivityId()).isEqualTo("EndEvent_GivenUp");
    assertThat(passedActivities(resend.getId()))
        .containsSubsequence("StartEvent_HandedOver", "Gateway_NotDelivered", "CallActivity_FallbackNotification")
        .doesNotContain("Task_ResendMessage", AWAIT_DELIVERY_REPORT, "Task_MarkUnconfirmed");
    JsonNode view = api.message(rejected);
    assertThat(view.get("status").asText()).isEqualTo("FAILED");
    assertThat(view.get("attempts").asInt()).isZero();
    assertThat(events(view))
        .containsExactly("ACCEPTED", "TURN_GRANTED", "PROVIDER_REJECTED", "FAILED", "FALLBACK_EMAIL_SENT");
    assertThat(timeline(view).get(2).get("detail").asText()).contains("400");
    assertThat(provider.calls(rejected)).hasSize(1);
    assertFallbackNotified(rejected, resend);
    assertFallbackMail(email, body);
    assertThat(api.status(next)).isEqualTo("DELIVERED");
  }

  @Test
  void failedReportWhileTheRoomWaits_failed_fallbackMailed_nextMessageGoes() throws Exception {
    String id = newId("failed");
    String next = newId("next");
    String room = newId("room");
    String email = id + "@fallback.test";
    String body = "undeliverable text of " + id;
    api.send(newMessageOn(PATIENT_CHANNEL, id, room, body, email));
    api.send(newMessageOn(PATIENT_CHANNEL, next, room, "text of " + next, null));
    awaitRoomWaitsForReport(room, id);
    assertThat(provider.calls(next)).isEmpty();

    assertThat(webhookOf(PATIENT_CHANNEL).send(status(id, "failed"))).isEqualTo(200);

    assertThat(api.status(id)).isEqualTo("FAILED");
    assertThat(recordedStatuses(id)).containsExactly("FAILED APPLIED");
    awaitRoomWaitsForReport(room, next);
    assertThat(webhookOf(PATIENT_CHANNEL).send(delivered(next))).isEqualTo(200);
    assertThat(passedActivities(roomInstance(room).getId()))
        .containsSubsequence(
            "Task_DispatchMessage", AWAIT_DELIVERY_REPORT, "Gateway_Delivered", "Task_HandOverMessage", "Task_DispatchMessage")
        .doesNotContain("Timer_AckGateTimeout");
    HistoricProcessInstance resend = awaitResendEnded(id);
    assertThat(resend.getEndActivityId()).isEqualTo("EndEvent_GivenUp");
    assertThat(passedActivities(resend.getId())).doesNotContain("Task_ResendMessage", AWAIT_DELIVERY_REPORT);
    assertThat(events(api.message(id)))
        .containsExactly(
            "ACCEPTED", "TURN_GRANTED", "DISPATCHED", "PROVIDER_FAILED", "FAILED", "FALLBACK_EMAIL_SENT");
    assertThat(provider.calls(id)).hasSize(1);
    assertFallbackNotified(id, resend);
    assertFallbackMail(email, body);
    assertThat(api.status(next)).isEqualTo("DELIVERED");
  }

  @Test
  void transientFailureOnce_retriedWithTheSameKey_thenDeliveredOnAck() {
    String id = newId("transient");
    String room = newId("room");
    provider.answerFirst(id, aResponse().withStatus(503));

    api.send(newMessageOn(PATIENT_CHANNEL, id, room, "text of " + id, null));

    awaitRoomWaitsForReport(room, id);
    assertThat(webhookOf(PATIENT_CHANNEL).send(delivered(id))).isEqualTo(200);
    JsonNode view = api.message(id);
    assertThat(view.get("status").asText()).isEqualTo("DELIVERED");
    assertThat(view.get("attempts").asInt()).isEqualTo(1);
    assertThat(events(view))
        .containsExactly("ACCEPTED", "TURN_GRANTED", "DISPATCH_FAILED", "DISPATCHED", "DELIVERED");
    assertThat(timeline(view).get(2).get("attempt").asInt()).isEqualTo(1);
    assertThat(timeline(view).get(2).get("detail").asText()).contains("503");
    assertThat(provider.calls(id))
        .hasSize(2)
        .allSatisfy(call -> assertThat(call.getHeader(IDEMPOTENCY_KEY)).isEqualTo(id));
    assertThat(runtime.createIncidentQuery().processInstanceId(roomInstance(room).getId()).count()).isZero();
    assertThat(historicResendInstance(id)).isNull();
  }

  @Test
  void tooManyRequests_nextTryNotBeforeRetryAfter() {
    String id = newId("throttled");
    String room = newId("room");
    Duration retryAfter = Duration.ofSeconds(2);
    provider.answerFirst(
        id, aResponse().withStatus(429).withHeader("Retry-After", String.valueOf(retryAfter.toSeconds())));

    api.send(newMessageOn(PATIENT_CHANNEL, id, room, "text of " + id, null));

    awaitRoomWaitsForReport(room, id);
    assertThat(webhookOf(PATIENT_CHANNEL).send(delivered(id))).isEqualTo(200);
    List<LoggedRequest> calls = provider.calls(id);
    assertThat(calls).hasSize(2);
    Duration gap =
        Duration.between(calls.get(0).getLoggedDate().toInstant(), calls.get(1).getLoggedDate().toInstant());
    // the engine's own retry wait is shorter: only the provider's Retry-After explains this much
    assertThat(retryAfter).isGreaterThan(DISPATCH_RETRY_DELAYS.get(0));
    assertThat(gap).isGreaterThanOrEqualTo(retryAfter);
    assertThat(api.status(id)).isEqualTo("DELIVERED");
    assertThat(api.events(id)).containsExactly("ACCEPTED", "TURN_GRANTED", "DISPATCH_FAILED", "DISPATCHED", "DELIVERED");
  }

  @Test
  void dispatchOutOfRetries_roomMovesOn_messageBecomesAnIncident_operatorRetryDeliversIt() {
    String room = newId("room");
    String stuck = newId("stuck");
    String next = newId("next");
    provider.answer(stuck, aResponse().withStatus(503));
    api.send(newMessageOn(PATIENT_CHANNEL, stuck, room, "never taken", null));
    api.send(newMessageOn(PATIENT_CHANNEL, next, room, "goes while the other waits for an operator", null));

    // the first try and one per engine retry in the room, then the room hands it over and moves on
    awaitRoomWaitsForReport(room, next);
    assertThat(webhookOf(PATIENT_CHANNEL).send(delivered(next))).isEqualTo(200);
    assertThat(provider.calls(stuck)).hasSizeGreaterThanOrEqualTo(DISPATCH_RETRY_DELAYS.size() + 1);
    assertThat(provider.calls(stuck).get(DISPATCH_RETRY_DELAYS.size()).getLoggedDate())
        .isBeforeOrEqualTo(single(provider.calls(next)).getLoggedDate());
    assertThat(passedActivities(roomInstance(room).getId()))
        .containsSubsequence("Event_DispatchRetriesExhausted", "Task_HandOverMessage", "Task_TakeNextMessage");

    // its own instance tries once more; that failure is an incident for an operator
    patiently().until(() -> resendInstance(stuck) != null && incidents(resendInstance(stuck)).size() == 1);
    ProcessInstance resend = resendInstance(stuck);
    Incident incident = single(incidents(resend));
    assertThat(incident.getActivityId()).isEqualTo("Task_ResendMessage");
    assertThat(incident.getIncidentType()).isEqualTo(Incident.FAILED_JOB_HANDLER_TYPE);
    assertThat(provider.calls(stuck)).hasSize(DISPATCH_RETRY_DELAYS.size() + 2);
    assertThat(api.status(stuck)).isEqualTo("QUEUED");
    assertThat(api.events(stuck))
        .containsExactly(
            "ACCEPTED", "TURN_GRANTED", "DISPATCH_FAILED", "DISPATCH_FAILED", "DISPATCH_FAILED", "DISPATCH_FAILED",
            "DISPATCH_RETRIES_EXHAUSTED", "DISPATCH_FAILED");
    assertThat(runtime.createIncidentQuery().processInstanceId(roomInstance(room).getId()).count()).isZero();

    // the provider is back; the operator retries the job, as Cockpit does
    provider.acceptFromNowOn(stuck);
    Job failed = management.createJobQuery().processInstanceId(resend.getId()).activityId("Task_ResendMessage").singleResult();
    assertThat(failed.getRetries()).isZero();
    management.setJobRetries(failed.getId(), 1);

    awaitResendWaitsForReport(stuck, 1);
    assertThat(incidents(resend)).isEmpty();
    assertThat(webhookOf(PATIENT_CHANNEL).send(delivered(stuck))).isEqualTo(200);

    JsonNode view = api.message(stuck);
    assertThat(view.get("status").asText()).isEqualTo("DELIVERED");
    assertThat(events(view)).endsWith("DISPATCH_RETRIES_EXHAUSTED", "DISPATCH_FAILED", "DISPATCHED", "DELIVERED");
    assertThat(provider.calls(stuck))
        .hasSize(DISPATCH_RETRY_DELAYS.size() + 3)
        .allSatisfy(call -> assertThat(call.getHeader(IDEMPOTENCY_KEY)).isEqualTo(stuck));
    assertThat(historicResendInstance(stuck).getEndActivityId()).isEqualTo("EndEvent_Delivered");
    assertThat(api.status(next)).isEqualTo("DELIVERED");
  }

  @Test
  void sameMessageTwice_oneDelivery_otherContent_409_storedMessageUnchanged() {
    String id = newId("twice");
    String room = newId("room");
    Map<String, Object> request = newMessageOn(PATIENT_CHANNEL, id, room, "the original text", null);

    assertThat(api.send(request).getStatusCode()).isEqualTo(HttpStatus.ACCEPTED);
    ResponseEntity<JsonNode> again = api.send(request);

    assertThat(again.getStatusCode()).isEqualTo(HttpStatus.OK);
    assertThat(again.getHeaders().getLocation()).isNull();
    assertThat(again.getBody().get("messageId").asText()).isEqualTo(id);
    assertThat(again.getBody().get("sequence").asLong()).isEqualTo(1);

    String otherRoom = newId("room");
    for (Map<String, Object> changed :
        List.of(
            newMessageOn(PATIENT_CHANNEL, id, room, "another text", null),
            newMessageOn(PATIENT_CHANNEL, id, otherRoom, "the original text", null),
            newMessageOn(PATIENT_CHANNEL, id, room, "the original text", "now@fallback.test"),
            newMessage(id, room, "the original text", null))) {
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
    assertThat(instanceCount(RoomDeliveryProcess.KEY, otherRoom)).isZero();

    awaitRoomWaitsForReport(room, id);
    assertThat(webhookOf(PATIENT_CHANNEL).send(delivered(id))).isEqualTo(200);
    assertThat(api.status(id)).isEqualTo("DELIVERED");
    assertThat(api.events(id)).containsOnlyOnce("ACCEPTED", "TURN_GRANTED", "DISPATCHED");
    assertThat(single(provider.calls(id)).getBodyAsString()).contains("the original text");
    assertThat(instanceCount(RoomDeliveryProcess.KEY, room)).isEqualTo(1);
    assertThat(historicResendInstance(id)).isNull();
  }

  /**
   * When a timer counted from the first attempt is due: the delays one after the other, to the
   * millisecond (timer dates have no finer grain).
   */
  private static Instant dueAfter(Instant firstAttempt, List<Duration> delays) {
    Instant due = firstAttempt.truncatedTo(ChronoUnit.MILLIS);
    for (Duration delay : delays) {
      due = due.plus(delay);
    }
    return due;
  }

  /** When the message's timeline recorded the event (its first, if several). */
  private Instant at(String messageId, String event) {
    return timeline(api.message(messageId)).stream()
        .filter(step -> step.get("event").asText().equals(event))
        .map(step -> Instant.parse(step.get("at").asText()))
        .findFirst()
        .orElseThrow(() -> new AssertionError(messageId + " has no " + event));
  }

  /** The due dates of the resend timers the instance has started so far, in order. */
  private List<Instant> resendTimersDue(String resendInstanceId) {
    return history.createHistoricJobLogQuery()
        .processInstanceId(resendInstanceId)
        .activityIdIn("Timer_ResendDue")
        .creationLog()
        // each timer is created seconds after the previous one; the occurrence counter orders
        // only within one job, not across the timers
        .orderByTimestamp()
        .asc()
        .list()
        .stream()
        .map(log -> log.getJobDueDate().toInstant())
        .toList();
  }

  private List<Incident> incidents(ProcessInstance instance) {
    return instance == null
        ? List.of()
        : runtime.createIncidentQuery().processInstanceId(instance.getId()).list();
  }

  /** FallbackNotificationProcess ran for the message, called by its resend instance, and ended. */
  private void assertFallbackNotified(String messageId, HistoricProcessInstance resend) {
    HistoricProcessInstance fallback = historicFallbackInstance(messageId);
    assertThat(fallback.getProcessDefinitionKey()).isEqualTo(FallbackNotificationProcess.KEY);
    assertThat(fallback.getSuperProcessInstanceId()).isEqualTo(resend.getId());
    assertThat(fallback.getState()).isEqualTo(HistoricProcessInstance.STATE_COMPLETED);
    assertThat(fallback.getEndActivityId()).isEqualTo("EndEvent_Notified");
    assertThat(passedActivities(fallback.getId()))
        .containsExactly("StartEvent_DeliveryGivenUp", "Task_SendFallbackEmail", "EndEvent_Notified");
  }
}
