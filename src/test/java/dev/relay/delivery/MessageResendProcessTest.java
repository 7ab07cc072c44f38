package dev.relay.delivery;

import static dev.relay.delivery.FakeProvider.Reply.ACCEPT_ACK_RACED;
import static dev.relay.delivery.FakeProvider.Reply.REJECT;
import static dev.relay.delivery.FakeProvider.Reply.UNAVAILABLE;
import static dev.relay.delivery.MessageResendProcess.VAR_ATTEMPT;
import static dev.relay.delivery.MessageResendProcess.VAR_CHANNEL;
import static dev.relay.delivery.MessageResendProcess.VAR_FIRST_ATTEMPT_AT;
import static dev.relay.support.EngineJobs.inFuture;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.assertThat;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.execute;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.job;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.inOrder;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.verifyNoMoreInteractions;
import static org.mockito.Mockito.when;

import dev.relay.channel.ChannelPolicies;
import dev.relay.channel.TransientProviderException;
import dev.relay.engine.ProcessInstances;
import dev.relay.fallback.FallbackNotificationProcess;
import dev.relay.support.EngineJobs;
import dev.relay.support.TestPolicies;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Date;
import java.util.List;
import org.camunda.bpm.engine.ManagementService;
import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.RuntimeService;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.camunda.bpm.engine.impl.util.ClockUtil;
import org.camunda.bpm.engine.runtime.Incident;
import org.camunda.bpm.engine.runtime.Job;
import org.camunda.bpm.engine.runtime.ProcessInstance;
import org.camunda.bpm.engine.test.Deployment;
import org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests;
import org.camunda.bpm.engine.test.junit5.ProcessEngineExtension;
import org.camunda.bpm.engine.test.mock.Mocks;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mockito.InOrder;

/**
 * Every path of message-resend.bpmn, with the FallbackNotificationProcess it calls, on an in-memory
 * engine without Spring: the real delegates and the real {@link ChannelPolicies} (so resends are
 * due and jobs retried when the policy says), a {@link FakeProvider} behind a mocked {@link
 * DeliveryService}, and a fallback e-mail step that records whom it would notify (its own test is
 * FallbackNotificationProcessTest). Instances are started and reported to through the real {@link
 * DeliveryInstances}, as the room's hand-over and the webhook do. No job executor: each test runs
 * the jobs and timers itself, with the engine clock held still.
 */
@ExtendWith(ProcessEngineExtension.class)
@Deployment(resources = {"bpmn/message-resend.bpmn", "bpmn/fallback-notification.bpmn"})
class MessageResendProcessTest {

  private static final String MESSAGE_ID = "msg-1";
  private static final String CHANNEL = "testchat";

  /** When the provider took the first attempt, in its room. */
  private static final Instant FIRST_ATTEMPT_AT = Instant.parse("2025-03-01T10:00:00Z");

  private static final Duration ACK_GATE_TIMEOUT = Duration.ofSeconds(2);
  private static final List<Duration> RESEND_DELAYS =
      List.of(Duration.ofSeconds(15), Duration.ofSeconds(30), Duration.ofHours(4));
  private static final int MAX_ATTEMPTS = 4;
  private static final List<Duration> DISPATCH_RETRY_DELAYS =
      List.of(Duration.ofSeconds(5), Duration.ofSeconds(15), Duration.ofMinutes(1));

  ProcessEngine processEngine; // injected by ProcessEngineExtension

  private final DeliveryService deliveries = mock(DeliveryService.class);
  private final List<String> fallbackNotified = new ArrayList<>();
  private final ChannelPolicies policies =
      TestPolicies.of(
          CHANNEL, ACK_GATE_TIMEOUT, RESEND_DELAYS, MAX_ATTEMPTS, DISPATCH_RETRY_DELAYS);

  private FakeProvider provider;
  private RuntimeService runtime;
  private ManagementService management;
  private DeliveryInstances instances;

  @BeforeEach
  void wireEngine() {
    BpmnAwareTests.init(processEngine);
    runtime = processEngine.getRuntimeService();
    management = processEngine.getManagementService();
    instances = new DeliveryInstances(runtime, new ProcessInstances(processEngine));
    // the room hands the message over when its ACK gate times out
    ClockUtil.setCurrentTime(Date.from(FIRST_ATTEMPT_AT.plus(ACK_GATE_TIMEOUT)));

    Mocks.register("channelPolicies", policies);
    Mocks.register("resendMessageDelegate", new ResendMessageDelegate(deliveries));
    Mocks.register("markUnconfirmedDelegate", new MarkUnconfirmedDelegate(deliveries));
    Mocks.register(
        "sendFallbackEmailDelegate",
        (JavaDelegate) execution -> fallbackNotified.add(execution.getProcessBusinessKey()));
    provider = FakeProvider.behind(deliveries, policies.dispatchTries());
  }

  @AfterEach
  void unwireEngine() {
    Mocks.reset();
    ClockUtil.reset();
  }

  @Test
  void deliveredAtHandOverEndsAtOnce() {
    ProcessInstance resend = handOver(MessageStatus.DELIVERED, 1, DeliveryReport.DELIVERED);

    assertEndedAt(resend, "EndEvent_Delivered");
    assertThat(resend)
        .hasPassedInOrder(
            "StartEvent_HandedOver",
            "Gateway_ReportIn",
            "Gateway_DeliveryReport",
            "EndEvent_Delivered")
        .hasNotPassed(
            "Task_AwaitDeliveryReport", "Task_ResendMessage", "CallActivity_FallbackNotification");
    verifyNoInteractions(deliveries);
    assertThat(fallbackNotified).isEmpty();
  }

  @Test
  void failedAtHandOverCallsTheFallbackNotification() {
    ProcessInstance resend = handOver(MessageStatus.FAILED, 1, DeliveryReport.FAILED);

    assertThat(resend)
        .hasBusinessKey(MESSAGE_ID)
        .isWaitingAtExactly("CallActivity_FallbackNotification")
        .hasPassedInOrder(
            "StartEvent_HandedOver",
            "Gateway_ReportIn",
            "Gateway_DeliveryReport",
            "Gateway_NotDelivered");

    notifyByFallback(resend);

    assertEndedAt(resend, "EndEvent_GivenUp");
    assertThat(resend)
        .hasNotPassed("Task_AwaitDeliveryReport", "Task_ResendMessage", "Task_MarkUnconfirmed");
    // the rejection or failure report marked it FAILED already
    verifyNoInteractions(deliveries);
  }

  @Test
  void noReportYetWaitsForTheResendDueAtTheFirstAttemptPlusTheFirstDelay() {
    ProcessInstance resend = handOver(MessageStatus.DISPATCHED, 1, DeliveryReport.NONE);

    assertWaitsForReport(resend, 1);
    assertThat(resend)
        .hasPassedInOrder("StartEvent_HandedOver", "Gateway_ReportIn", "Gateway_DeliveryReport")
        .variables()
        .containsEntry(VAR_CHANNEL, CHANNEL)
        .containsEntry(VAR_FIRST_ATTEMPT_AT, Date.from(FIRST_ATTEMPT_AT))
        .doesNotContainKey(DeliveryReport.VARIABLE); // transient: never stored

    instances.report(resend.getId(), DeliveryReport.DELIVERED);

    assertEndedAt(resend, "EndEvent_Delivered");
    assertThat(resend)
        .hasPassedInOrder(
            "Task_AwaitDeliveryReport",
            "Gateway_ReportIn",
            "Gateway_DeliveryReport",
            "EndEvent_Delivered")
        .hasNotPassed("Timer_ResendDue", "Task_ResendMessage");
    verifyNoInteractions(deliveries);
  }

  @Test
  void resendsOnTheScheduleCountedFromTheFirstAttemptUntilTheAck() {
    ProcessInstance resend = handOver(MessageStatus.DISPATCHED, 1, DeliveryReport.NONE);

    // a resend job that runs late does not push the schedule back
    resendWhenDue(resend, Duration.ofSeconds(3));
    assertWaitsForReport(resend, 2);
    resendWhenDue(resend, Duration.ZERO);
    assertWaitsForReport(resend, 3);

    instances.report(resend.getId(), DeliveryReport.DELIVERED);

    assertEndedAt(resend, "EndEvent_Delivered");
    assertThat(resend)
        .hasPassedInOrder(
            "Task_AwaitDeliveryReport",
            "Timer_ResendDue",
            "Gateway_AttemptsLeft",
            "Gateway_Resend",
            "Task_ResendMessage",
            "Gateway_ReportIn",
            "Task_AwaitDeliveryReport",
            "Timer_ResendDue",
            "Task_ResendMessage",
            "Task_AwaitDeliveryReport",
            "Gateway_ReportIn",
            "Gateway_DeliveryReport",
            "EndEvent_Delivered")
        .hasNotPassed("Task_MarkUnconfirmed", "CallActivity_FallbackNotification");
    verifyProviderCalls(2);
    verifyNoMoreInteractions(deliveries);
  }

  @Test
  void exhaustedAttemptsMarkUnconfirmedAndCallTheFallback() {
    ProcessInstance resend = handOver(MessageStatus.DISPATCHED, 1, DeliveryReport.NONE);
    for (int attempt = 2; attempt <= MAX_ATTEMPTS; attempt++) {
      resendWhenDue(resend, Duration.ZERO);
      assertWaitsForReport(resend, attempt);
    }
    // the last attempt, too, gets its delay (the last one, repeated) to be acknowledged
    assertThat(job("Timer_ResendDue", resend).getDuedate())
        .isEqualTo(
            Date.from(
                FIRST_ATTEMPT_AT
                    .plus(RESEND_DELAYS.get(0))
                    .plus(RESEND_DELAYS.get(1))
                    .plus(RESEND_DELAYS.get(2))
                    .plus(RESEND_DELAYS.get(2))));

    Job last = job("Timer_ResendDue", resend);
    ClockUtil.setCurrentTime(last.getDuedate());
    execute(last);

    assertThat(resend).isWaitingAtExactly("CallActivity_FallbackNotification");
    notifyByFallback(resend);
    assertEndedAt(resend, "EndEvent_GivenUp");
    assertThat(resend)
        .hasPassedInOrder(
            "Timer_ResendDue",
            "Gateway_AttemptsLeft",
            "Task_MarkUnconfirmed",
            "Gateway_NotDelivered",
            "CallActivity_FallbackNotification",
            "EndEvent_GivenUp")
        .hasNotPassed("EndEvent_Delivered");
    InOrder order = inOrder(deliveries);
    order.verify(deliveries, times(MAX_ATTEMPTS - 1)).dispatch(MESSAGE_ID);
    order.verify(deliveries).giveUp(MESSAGE_ID, MessageStatus.UNCONFIRMED);
    verifyProviderCalls(MAX_ATTEMPTS - 1);
    verifyNoMoreInteractions(deliveries);
  }

  @Test
  void failureReportedWhileWaitingCallsTheFallback() {
    ProcessInstance resend = handOver(MessageStatus.DISPATCHED, 1, DeliveryReport.NONE);
    assertWaitsForReport(resend, 1);

    instances.report(resend.getId(), DeliveryReport.FAILED);

    assertThat(resend).isWaitingAtExactly("CallActivity_FallbackNotification");
    assertThat(jobsOf(resend)).isEmpty(); // no resend timer left
    notifyByFallback(resend);
    assertEndedAt(resend, "EndEvent_GivenUp");
    assertThat(resend)
        .hasPassedInOrder(
            "Task_AwaitDeliveryReport",
            "Gateway_ReportIn",
            "Gateway_DeliveryReport",
            "Gateway_NotDelivered",
            "CallActivity_FallbackNotification",
            "EndEvent_GivenUp")
        .hasNotPassed("Timer_ResendDue", "Task_MarkUnconfirmed");
    verifyNoInteractions(deliveries); // MessageStatuses marked it FAILED with the report
  }

  @Test
  void messageTheProviderNeverTookIsResentAtOnce() {
    ProcessInstance resend = handOver(MessageStatus.QUEUED, 0, DeliveryReport.NONE);

    assertThat(resend)
        .isWaitingAtExactly("Task_ResendMessage")
        .hasPassedInOrder(
            "StartEvent_HandedOver", "Gateway_ReportIn", "Gateway_DeliveryReport", "Gateway_Resend")
        .hasNotPassed("Task_AwaitDeliveryReport")
        .variables()
        .containsEntry(VAR_ATTEMPT, 0)
        .containsEntry(VAR_FIRST_ATTEMPT_AT, null);
    assertThat(jobsOf(resend)).containsExactly("Task_ResendMessage");

    Instant takenAt = ClockUtil.getCurrentTime().toInstant();
    execute(job("Task_ResendMessage", resend));

    // its first attempt now: the schedule counts from it
    assertThat(resend).variables().containsEntry(VAR_FIRST_ATTEMPT_AT, Date.from(takenAt));
    assertWaitsForReport(resend, 1, takenAt);
    verifyProviderCalls(1);
    verifyNoMoreInteractions(deliveries);
  }

  @Test
  void firstFailureOfAResendOfAMessageTheProviderNeverTookIsAnIncident() {
    provider.replies(MESSAGE_ID, UNAVAILABLE);
    ProcessInstance resend = handOver(MessageStatus.QUEUED, 0, DeliveryReport.NONE);

    Job failed = failResend(resend);

    // its retries were the room's: an operator looks at it now
    assertThat(failed.getRetries()).isZero();
    assertIncidentAtResend(resend, failed);
    verifyProviderCalls(1);
    verify(deliveries, never()).dispatchRetriesExhausted(anyString());
    verifyNoMoreInteractions(deliveries);
  }

  @Test
  void resendFailuresRetryOnTheDispatchCycleThenRaiseAnIncident() {
    provider.replies(MESSAGE_ID, UNAVAILABLE);
    ProcessInstance resend = handOver(MessageStatus.DISPATCHED, 1, DeliveryReport.NONE);
    Job due = job("Timer_ResendDue", resend);
    ClockUtil.setCurrentTime(due.getDuedate());
    execute(due);

    int retriesLeft = DISPATCH_RETRY_DELAYS.size();
    for (Duration delay : DISPATCH_RETRY_DELAYS) {
      Job failed = failResend(resend);
      assertThat(failed.getRetries()).isEqualTo(retriesLeft--);
      assertThat(failed.getDuedate()).isEqualTo(inFuture(delay));
      ClockUtil.setCurrentTime(failed.getDuedate());
    }
    Job exhausted = failResend(resend);

    assertThat(exhausted.getRetries()).isZero();
    assertIncidentAtResend(resend, exhausted);
    verifyProviderCalls(DISPATCH_RETRY_DELAYS.size() + 1); // the first try and one per retry
    verifyNoMoreInteractions(deliveries);
  }

  @Test
  void resendThatFindsTheAckAlreadyInEndsDelivered() {
    provider.replies(MESSAGE_ID, ACCEPT_ACK_RACED);
    ProcessInstance resend = handOver(MessageStatus.DISPATCHED, 1, DeliveryReport.NONE);
    Job due = job("Timer_ResendDue", resend);
    ClockUtil.setCurrentTime(due.getDuedate());
    execute(due);
    assertThat(resend).isWaitingAtExactly("Task_ResendMessage");

    // a report while the resend job waits reaches nobody: the dispatch reads it on the message row
    instances.report(resend.getId(), DeliveryReport.DELIVERED);
    assertThat(resend).isWaitingAtExactly("Task_ResendMessage");

    execute(job("Task_ResendMessage", resend));

    assertEndedAt(resend, "EndEvent_Delivered");
    assertThat(resend)
        .hasPassedInOrder(
            "Task_ResendMessage",
            "Gateway_ReportIn",
            "Gateway_DeliveryReport",
            "EndEvent_Delivered")
        .variables()
        .containsEntry(VAR_ATTEMPT, 2);
    verifyProviderCalls(1);
    verifyNoMoreInteractions(deliveries);
  }

  @Test
  void rejectedResendCallsTheFallback() {
    provider.replies(MESSAGE_ID, REJECT);
    ProcessInstance resend = handOver(MessageStatus.DISPATCHED, 1, DeliveryReport.NONE);
    Job due = job("Timer_ResendDue", resend);
    ClockUtil.setCurrentTime(due.getDuedate());
    execute(due);

    execute(job("Task_ResendMessage", resend));

    assertThat(resend).isWaitingAtExactly("CallActivity_FallbackNotification");
    notifyByFallback(resend);
    assertEndedAt(resend, "EndEvent_GivenUp");
    assertThat(resend)
        .hasPassedInOrder(
            "Task_ResendMessage",
            "Gateway_ReportIn",
            "Gateway_DeliveryReport",
            "Gateway_NotDelivered",
            "CallActivity_FallbackNotification")
        .hasNotPassed("Task_MarkUnconfirmed");
    verifyProviderCalls(1); // DeliveryService marked it FAILED with the rejection
    verifyNoMoreInteractions(deliveries);
  }

  /**
   * The room's hand-over (DeliveryService.handOver → DeliveryInstances.startResend) of the message
   * as it is then: its status, the attempts the provider took, the first at {@link
   * #FIRST_ATTEMPT_AT}.
   */
  private ProcessInstance handOver(MessageStatus status, int attempts, DeliveryReport report) {
    if (attempts > 0) {
      provider.alreadyAccepted(MESSAGE_ID, attempts, FIRST_ATTEMPT_AT);
    }
    Message message =
        new Message(
            MESSAGE_ID,
            "room-1",
            1,
            CHANNEL,
            "+4917012345678",
            "Hello",
            "ann@example.org",
            status,
            attempts,
            attempts > 0 ? "provider-1" : null,
            FIRST_ATTEMPT_AT.minusMillis(300),
            attempts > 0 ? FIRST_ATTEMPT_AT : null,
            status.isAcknowledged() ? FIRST_ATTEMPT_AT.plusSeconds(1) : null,
            null,
            null,
            "room-instance");
    String id = instances.startResend(message, report);
    ProcessInstance resend =
        runtime.createProcessInstanceQuery().processInstanceId(id).singleResult();
    if (resend != null) {
      return resend;
    }
    // it ended at once: only the history knows it, by its id
    ProcessInstance ended = mock(ProcessInstance.class);
    when(ended.getId()).thenReturn(id);
    when(ended.getProcessInstanceId()).thenReturn(id);
    return ended;
  }

  /**
   * The resend timer is due when the policy says: let it fire, the resend job runs {@code late}.
   */
  private void resendWhenDue(ProcessInstance resend, Duration late) {
    Job timer = job("Timer_ResendDue", resend);
    ClockUtil.setCurrentTime(timer.getDuedate());
    execute(timer);
    assertThat(resend).isWaitingAtExactly("Task_ResendMessage");
    assertThat(jobsOf(resend)).containsExactly("Task_ResendMessage");
    ClockUtil.setCurrentTime(Date.from(timer.getDuedate().toInstant().plus(late)));
    execute(job("Task_ResendMessage", resend));
  }

  private void assertWaitsForReport(ProcessInstance resend, int attemptsMade) {
    assertWaitsForReport(resend, attemptsMade, FIRST_ATTEMPT_AT);
  }

  /**
   * Waits for the message's report until the next resend is due: the first attempt's time plus the
   * resend delays up to this attempt (the last one repeating).
   */
  private void assertWaitsForReport(
      ProcessInstance resend, int attemptsMade, Instant firstAttemptAt) {
    assertThat(resend)
        .isWaitingAtExactly("Task_AwaitDeliveryReport")
        .variables()
        .containsEntry(VAR_ATTEMPT, attemptsMade);
    assertThat(jobsOf(resend)).containsExactly("Timer_ResendDue");
    Instant due = firstAttemptAt;
    for (int i = 0; i < attemptsMade; i++) {
      due = due.plus(RESEND_DELAYS.get(Math.min(i, RESEND_DELAYS.size() - 1)));
    }
    assertThat(job("Timer_ResendDue", resend).getDuedate()).isEqualTo(Date.from(due));
    assertThat(
            runtime
                .createEventSubscriptionQuery()
                .processInstanceId(resend.getId())
                .eventName(DeliveryReport.MESSAGE)
                .activityId("Task_AwaitDeliveryReport")
                .count())
        .isOne();
  }

  /**
   * The called FallbackNotificationProcess has the message's business key and waits at its e-mail
   * job; running that job ends it, and the resend instance with it.
   */
  private void notifyByFallback(ProcessInstance resend) {
    ProcessInstance fallback =
        runtime.createProcessInstanceQuery().superProcessInstanceId(resend.getId()).singleResult();
    assertThat(fallback)
        .hasProcessDefinitionKey(FallbackNotificationProcess.KEY)
        .hasBusinessKey(MESSAGE_ID)
        .isWaitingAtExactly("Task_SendFallbackEmail");
    assertThat(fallbackNotified).isEmpty(); // in a job of its own, not in the resend's transaction
    execute(job("Task_SendFallbackEmail", fallback));
    assertThat(fallback).isEnded().hasPassed("EndEvent_Notified");
    assertThat(fallbackNotified).containsExactly(MESSAGE_ID);
  }

  private Job failResend(ProcessInstance resend) {
    Job job = job("Task_ResendMessage", resend);
    assertThatThrownBy(() -> execute(job))
        .isInstanceOf(TransientProviderException.class)
        .hasMessage("provider answered 503");
    return management.createJobQuery().jobId(job.getId()).singleResult();
  }

  private void assertIncidentAtResend(ProcessInstance resend, Job failed) {
    Incident incident =
        runtime.createIncidentQuery().processInstanceId(resend.getId()).singleResult();
    assertThat(incident).isNotNull();
    assertThat(incident.getIncidentType()).isEqualTo(Incident.FAILED_JOB_HANDLER_TYPE);
    assertThat(incident.getActivityId()).isEqualTo("Task_ResendMessage");
    assertThat(incident.getConfiguration()).isEqualTo(failed.getId());
    assertThat(incident.getIncidentMessage()).isEqualTo("provider answered 503");
    assertThat(resend).isWaitingAtExactly("Task_ResendMessage");
    assertThat(jobsOf(resend)).containsExactly("Task_ResendMessage");
  }

  private void assertEndedAt(ProcessInstance instance, String endEventId) {
    assertThat(instance).isEnded();
    assertThat(
            processEngine
                .getHistoryService()
                .createHistoricProcessInstanceQuery()
                .processInstanceId(instance.getId())
                .singleResult()
                .getEndActivityId())
        .isEqualTo(endEventId);
  }

  /** The provider was called this often, every call with the message's Idempotency-Key. */
  private void verifyProviderCalls(int calls) {
    verify(deliveries, times(calls)).dispatch(MESSAGE_ID);
    assertThat(provider.idempotencyKeys())
        .containsExactlyElementsOf(Collections.nCopies(calls, MESSAGE_ID));
  }

  private List<String> jobsOf(ProcessInstance instance) {
    return EngineJobs.activitiesOf(management, instance);
  }
}
