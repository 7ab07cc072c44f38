package dev.relay.delivery;

import static dev.relay.delivery.FakeProvider.Reply.ACCEPT_ACK_RACED;
import static dev.relay.delivery.FakeProvider.Reply.REJECT;
import static dev.relay.delivery.FakeProvider.Reply.UNAVAILABLE;
import static dev.relay.delivery.MessageDeliveryProcess.MESSAGE_READ;
import static dev.relay.delivery.MessageDeliveryProcess.VAR_ATTEMPT;
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
import static org.mockito.Mockito.verifyNoMoreInteractions;
import static org.mockito.Mockito.when;

import dev.relay.channel.ChannelPolicies;
import dev.relay.channel.RelayChannelsProperties;
import dev.relay.channel.RelayChannelsProperties.Channel;
import dev.relay.channel.TransientProviderException;
import dev.relay.room.RoomTurns;
import dev.relay.timeline.Timeline;
import dev.relay.timeline.TimelineEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.camunda.bpm.engine.ManagementService;
import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.RuntimeService;
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
 * Every path of message-delivery.bpmn on an in-memory engine without Spring: the real delegates and
 * the real {@link ChannelPolicies} (so timers are due when the policy says), mocked domain
 * services, and a {@link FakeProvider} behind {@link DeliveryService#dispatch}. No job executor:
 * each test runs the jobs and timers itself, with the engine clock held still.
 */
@ExtendWith(ProcessEngineExtension.class)
@Deployment(resources = "bpmn/message-delivery.bpmn")
class MessageDeliveryProcessTest {

  private static final String CHANNEL = "testchat";
  private static final String MESSAGE_ID = "msg-1";
  private static final String ROOM_ID = "room-1";
  private static final Instant START = Instant.parse("2025-03-01T10:00:00Z");

  private static final Duration ACK_GATE_TIMEOUT = Duration.ofSeconds(2);
  private static final List<Duration> RESEND_DELAYS =
      List.of(Duration.ofSeconds(15), Duration.ofSeconds(30), Duration.ofHours(4));
  private static final int MAX_ATTEMPTS = 4;
  private static final Duration READ_TIME_TO_LIVE = Duration.ofDays(7);
  private static final List<Duration> DISPATCH_RETRY_DELAYS =
      List.of(Duration.ofSeconds(5), Duration.ofSeconds(15), Duration.ofMinutes(1));

  ProcessEngine processEngine; // injected by ProcessEngineExtension

  private final DeliveryService deliveries = mock(DeliveryService.class);
  private final RoomTurns rooms = mock(RoomTurns.class);
  private final Timeline timeline = mock(Timeline.class);
  private final FakeProvider provider = new FakeProvider();
  private RuntimeService runtime;
  private ManagementService management;
  private DeliveryProcess process;

  @BeforeEach
  void wireEngine() {
    BpmnAwareTests.init(processEngine);
    runtime = processEngine.getRuntimeService();
    management = processEngine.getManagementService();
    process = new DeliveryProcess(runtime);
    ClockUtil.setCurrentTime(Date.from(START));

    Channel channel =
        new Channel(
            "http://provider.invalid",
            "token",
            "secret",
            ACK_GATE_TIMEOUT,
            RESEND_DELAYS,
            MAX_ATTEMPTS,
            null,
            READ_TIME_TO_LIVE);
    Mocks.register(
        "channelPolicies",
        new ChannelPolicies(
            new RelayChannelsProperties(
                Map.of(CHANNEL, channel), DISPATCH_RETRY_DELAYS, Duration.ofSeconds(10))));
    Mocks.register("claimRoomTurnDelegate", new ClaimRoomTurnDelegate(rooms));
    Mocks.register("dispatchMessageDelegate", new DispatchMessageDelegate(deliveries));
    Mocks.register("releaseRoomTurnDelegate", new ReleaseRoomTurnDelegate(rooms, timeline));
    Mocks.register("giveUpDelegate", new GiveUpDelegate(deliveries));
    Mocks.register("sendFallbackEmailDelegate", new SendFallbackEmailDelegate(deliveries));

    when(rooms.claim(ROOM_ID, MESSAGE_ID)).thenReturn(true);
    when(deliveries.dispatch(anyString())).thenAnswer(provider);
  }

  @AfterEach
  void unwireEngine() {
    Mocks.reset();
    ClockUtil.reset();
  }

  @Test
  void ackOnFirstAttemptPassesTheTurnOnAndWaitsForRead() {
    ProcessInstance instance = start(true);
    assertThat(instance).isWaitingAtExactly("SubProcess_DeliveryAttempts", "Task_DispatchMessage");

    dispatch(instance);
    assertThat(instance)
        .isWaitingAtExactly("SubProcess_DeliveryAttempts", "Timer_ResendDue", "Timer_AckGateTimeout");
    assertThat(jobsOf(instance))
        .containsExactlyInAnyOrder("Timer_ResendDue", "Timer_AckGateTimeout");

    assertThat(process.acknowledged(MESSAGE_ID, false)).isTrue();

    assertWaitsForRead(instance);
    assertThat(instance)
        .hasPassedInOrder(
            "StartEvent_MessageAccepted",
            "Task_ClaimRoomTurn",
            "Gateway_TurnFree",
            "Gateway_TurnReady",
            "StartEvent_AttemptsStarted",
            "Gateway_NextAttempt",
            "Task_DispatchMessage",
            "Gateway_AlreadyAcknowledged",
            "Gateway_AttemptAccepted",
            "Event_DeliveryAcknowledged",
            "Gateway_Acknowledged",
            "Task_ReleaseRoomTurn",
            "Gateway_AlreadyRead")
        .hasNotPassed(
            "Event_TurnGranted", "Task_PassTurnOnGateTimeout", "EndEvent_AlreadyAcknowledged");
    verifyDelivered(1, 1);
  }

  @Test
  void resendsOnThePolicyScheduleUnderOneIdempotencyKeyUntilTheAck() {
    ProcessInstance instance = start(true);
    dispatch(instance);

    resendAfter(instance, RESEND_DELAYS.get(0));
    resendAfter(instance, RESEND_DELAYS.get(1));

    assertThat(instance)
        .isWaitingAtExactly("SubProcess_DeliveryAttempts", "Timer_ResendDue", "Timer_AckGateTimeout")
        .variables()
        .containsEntry(VAR_ATTEMPT, 3);
    assertThat(job("Timer_ResendDue", instance).getDuedate())
        .isEqualTo(inFuture(RESEND_DELAYS.get(2)));
    // one ACK gate, started by the first attempt; the resends did not start another
    assertThat(jobsOf(instance)).containsExactlyInAnyOrder("Timer_ResendDue", "Timer_AckGateTimeout");
    assertThat(instance).hasPassed("EndEvent_GateAlreadyRunning");

    assertThat(process.acknowledged(MESSAGE_ID, false)).isTrue();

    assertWaitsForRead(instance);
    assertThat(instance)
        .hasPassedInOrder(
            "Task_DispatchMessage",
            "Timer_ResendDue",
            "Task_DispatchMessage",
            "Timer_ResendDue",
            "Task_DispatchMessage",
            "Event_DeliveryAcknowledged",
            "Task_ReleaseRoomTurn");
    verifyDelivered(3, 1);
  }

  @Test
  void exhaustedAttemptsMarkUnconfirmedAndSendTheFallbackEmail() {
    ProcessInstance instance = start(true);
    exhaustAttempts(instance);

    assertThat(instance).isWaitingAtExactly("Task_SendFallbackEmail");
    assertThat(jobsOf(instance)).containsExactly("Task_SendFallbackEmail");

    execute(job("Task_SendFallbackEmail", instance));

    assertEndedAt(instance, "EndEvent_DeliveryGivenUp");
    assertThat(instance)
        .hasPassedInOrder(
            "Gateway_AttemptsLeft",
            "EndEvent_AttemptsExhausted",
            "Event_AttemptsExhausted",
            "Task_MarkUnconfirmed",
            "Gateway_GivenUp",
            "Gateway_HasFallbackEmail",
            "Task_SendFallbackEmail",
            "Gateway_FallbackDone",
            "EndEvent_DeliveryGivenUp")
        .hasNotPassed("Task_MarkFailed", "Task_ReleaseRoomTurn");
    verifyGivenUp(MessageStatus.UNCONFIRMED, MAX_ATTEMPTS, true);
  }

  @Test
  void exhaustedAttemptsWithoutFallbackAddressEndWithoutEmail() {
    ProcessInstance instance = start(false);
    exhaustAttempts(instance);

    assertEndedAt(instance, "EndEvent_DeliveryGivenUp");
    assertThat(instance)
        .hasPassedInOrder(
            "Task_MarkUnconfirmed",
            "Gateway_HasFallbackEmail",
            "Gateway_FallbackDone",
            "EndEvent_DeliveryGivenUp")
        .hasNotPassed("Task_SendFallbackEmail");
    verifyGivenUp(MessageStatus.UNCONFIRMED, MAX_ATTEMPTS, false);
  }

  @Test
  void permanentRejectionMarksFailedAndSendsTheFallbackEmail() {
    provider.replies(REJECT);
    ProcessInstance instance = start(true);

    dispatch(instance);

    assertThat(instance).isWaitingAtExactly("Task_SendFallbackEmail");
    assertThat(jobsOf(instance)).containsExactly("Task_SendFallbackEmail");

    execute(job("Task_SendFallbackEmail", instance));

    assertEndedAt(instance, "EndEvent_DeliveryGivenUp");
    assertThat(instance)
        .hasPassedInOrder(
            "Task_DispatchMessage",
            "Event_ProviderRejected",
            "Gateway_DeliveryFailed",
            "Task_MarkFailed",
            "Gateway_GivenUp",
            "Task_SendFallbackEmail",
            "EndEvent_DeliveryGivenUp")
        .hasNotPassed("Gateway_AlreadyAcknowledged", "Timer_ResendDue", "Task_MarkUnconfirmed");
    verifyGivenUp(MessageStatus.FAILED, 1, true);
  }

  @Test
  void failureReportedWhileWaitingToResendMarksFailed() {
    ProcessInstance instance = start(true);
    dispatch(instance);
    assertThat(instance)
        .isWaitingAtExactly("SubProcess_DeliveryAttempts", "Timer_ResendDue", "Timer_AckGateTimeout");

    assertThat(process.failed(MESSAGE_ID)).isTrue();

    assertThat(instance).isWaitingAtExactly("Task_SendFallbackEmail");
    // no resend timer, no gate timer
    assertThat(jobsOf(instance)).containsExactly("Task_SendFallbackEmail");
    execute(job("Task_SendFallbackEmail", instance));

    assertEndedAt(instance, "EndEvent_DeliveryGivenUp");
    assertThat(instance)
        .hasPassedInOrder(
            "Task_DispatchMessage",
            "Event_DeliveryFailed",
            "Gateway_DeliveryFailed",
            "Task_MarkFailed",
            "Task_SendFallbackEmail",
            "EndEvent_DeliveryGivenUp")
        .hasNotPassed("Event_ProviderRejected", "Task_MarkUnconfirmed");
    verifyGivenUp(MessageStatus.FAILED, 1, true);
  }

  @Test
  void readAfterDeliveryEndsTheInstance() {
    ProcessInstance instance = start(true);
    dispatch(instance);
    process.acknowledged(MESSAGE_ID, false);
    assertWaitsForRead(instance);

    assertThat(process.read(MESSAGE_ID)).isTrue();

    assertEndedAt(instance, "EndEvent_MessageRead");
    assertThat(instance)
        .hasPassedInOrder(
            "Task_ReleaseRoomTurn",
            "Gateway_AlreadyRead",
            "Gateway_AwaitRead",
            "Event_MessageRead",
            "Gateway_ReadDone",
            "EndEvent_MessageRead")
        .hasNotPassed("Timer_ReadTimeToLive", "EndEvent_DeliveredUnread");
    verifyDelivered(1, 2); // at the ACK, and by the end listener
  }

  @Test
  void ackThatSaysReadEndsWithoutWaitingForRead() {
    ProcessInstance instance = start(true);
    dispatch(instance);

    assertThat(process.acknowledged(MESSAGE_ID, true)).isTrue();

    assertEndedAt(instance, "EndEvent_MessageRead");
    assertThat(instance)
        .hasPassedInOrder(
            "Event_DeliveryAcknowledged",
            "Task_ReleaseRoomTurn",
            "Gateway_AlreadyRead",
            "Gateway_ReadDone",
            "EndEvent_MessageRead")
        .hasNotPassed("Gateway_AwaitRead", "Event_MessageRead");
    verifyDelivered(1, 2); // at the ACK, and by the end listener
  }

  @Test
  void readTimeToLiveExpiryEndsDeliveredUnread() {
    ProcessInstance instance = start(true);
    dispatch(instance);
    process.acknowledged(MESSAGE_ID, false);
    assertWaitsForRead(instance);

    Job readTimeToLive = job("Timer_ReadTimeToLive", instance);
    ClockUtil.setCurrentTime(readTimeToLive.getDuedate());
    execute(readTimeToLive);

    assertEndedAt(instance, "EndEvent_DeliveredUnread");
    assertThat(instance)
        .hasPassedInOrder("Gateway_AwaitRead", "Timer_ReadTimeToLive", "EndEvent_DeliveredUnread")
        .hasNotPassed("Event_MessageRead", "EndEvent_MessageRead");
    assertThat(runtime.createEventSubscriptionQuery().processInstanceId(instance.getId()).count())
        .isZero();
    verifyDelivered(1, 2); // at the ACK, and by the end listener
  }

  @Test
  void ackThatRacedTheDispatchEndsAttemptsWithoutResendTimer() {
    provider.replies(ACCEPT_ACK_RACED);
    ProcessInstance instance = start(true);

    dispatch(instance);

    assertWaitsForRead(instance);
    assertThat(jobsOf(instance)).containsExactly("Timer_ReadTimeToLive");
    assertThat(instance)
        .hasPassedInOrder(
            "Task_DispatchMessage",
            "Gateway_AlreadyAcknowledged",
            "EndEvent_AlreadyAcknowledged",
            "Gateway_Acknowledged",
            "Task_ReleaseRoomTurn")
        .hasNotPassed("Gateway_AttemptsLeft", "Timer_ResendDue", "Event_DeliveryAcknowledged");
    verifyDelivered(1, 1);
  }

  @Test
  void busyRoomHoldsTheDispatchUntilTheTurnIsGranted() {
    when(rooms.claim(ROOM_ID, MESSAGE_ID)).thenReturn(false);
    ProcessInstance instance = start(true);

    assertThat(instance).isWaitingAtExactly("Event_TurnGranted");
    assertThat(jobsOf(instance)).isEmpty();
    verify(deliveries, never()).dispatch(anyString());

    assertThat(process.grantTurn(MESSAGE_ID)).isTrue();

    assertThat(instance)
        .isWaitingAtExactly("SubProcess_DeliveryAttempts", "Task_DispatchMessage")
        .hasPassedInOrder(
            "Task_ClaimRoomTurn", "Gateway_TurnFree", "Event_TurnGranted", "Gateway_TurnReady");
    assertThat(jobsOf(instance))
        .containsExactly("Task_DispatchMessage"); // the ACK gate starts once the provider took it
    assertThat(provider.idempotencyKeys()).isEmpty();
    verify(rooms).claim(ROOM_ID, MESSAGE_ID);
    verifyNoMoreInteractions(deliveries, rooms, timeline);
  }

  @Test
  void ackGateTimeoutPassesTheTurnOnWhileResendsGoOn() {
    ProcessInstance instance = start(true);
    dispatch(instance);
    assertThat(instance)
        .isWaitingAtExactly("SubProcess_DeliveryAttempts", "Timer_ResendDue", "Timer_AckGateTimeout");

    Job gate = job("Timer_AckGateTimeout", instance);
    assertThat(gate.getDuedate()).isEqualTo(Date.from(START.plus(ACK_GATE_TIMEOUT)));
    ClockUtil.setCurrentTime(gate.getDuedate());
    execute(gate);

    assertThat(instance)
        .isWaitingAtExactly("SubProcess_DeliveryAttempts", "Timer_ResendDue")
        .hasPassedInOrder(
            "Task_DispatchMessage",
            "Gateway_AttemptAccepted",
            "Gateway_FirstAttempt",
            "Timer_AckGateTimeout",
            "Task_PassTurnOnGateTimeout",
            "EndEvent_RoomMovedOn");
    assertThat(jobsOf(instance)).containsExactly("Timer_ResendDue");
    InOrder order = inOrder(timeline, rooms);
    order.verify(timeline).record(MESSAGE_ID, TimelineEvent.ACK_GATE_TIMEOUT);
    order.verify(rooms).release(ROOM_ID, MESSAGE_ID);
    verify(rooms).release(ROOM_ID, MESSAGE_ID); // once so far

    // a late ACK still ends the resends
    assertThat(process.acknowledged(MESSAGE_ID, false)).isTrue();

    assertWaitsForRead(instance);
    assertThat(instance)
        .hasPassedInOrder(
            "EndEvent_RoomMovedOn", "Event_DeliveryAcknowledged", "Task_ReleaseRoomTurn");
    verifyDelivered(1, 2); // at the gate timeout, and again (harmless) at the ACK
  }

  @Test
  void transientFailuresRetryOnTheCycleThenRaiseAnIncident() {
    provider.replies(UNAVAILABLE);
    ProcessInstance instance = start(true);

    int retriesLeft = DISPATCH_RETRY_DELAYS.size();
    for (Duration delay : DISPATCH_RETRY_DELAYS) {
      Job failed = failDispatch(instance);
      assertThat(failed.getRetries()).isEqualTo(retriesLeft--);
      assertThat(failed.getDuedate()).isEqualTo(inFuture(delay));
      ClockUtil.setCurrentTime(failed.getDuedate());
    }
    Job exhausted = failDispatch(instance);

    assertThat(exhausted.getRetries()).isZero();
    Incident incident =
        runtime.createIncidentQuery().processInstanceId(instance.getId()).singleResult();
    assertThat(incident).isNotNull();
    assertThat(incident.getIncidentType()).isEqualTo(Incident.FAILED_JOB_HANDLER_TYPE);
    assertThat(incident.getActivityId()).isEqualTo("Task_DispatchMessage");
    assertThat(incident.getConfiguration()).isEqualTo(exhausted.getId());
    assertThat(incident.getIncidentMessage()).isEqualTo("provider answered 503");
    assertThat(instance).isWaitingAtExactly("SubProcess_DeliveryAttempts", "Task_DispatchMessage");
    // an operator retries it in Cockpit; no ACK gate runs for a message the provider never took
    // (the room moves on through DispatchIncidentPlugin, tested with the engine in Spring)
    assertThat(jobsOf(instance)).containsExactly("Task_DispatchMessage");
    verify(rooms).claim(ROOM_ID, MESSAGE_ID);
    verifyProviderCalls(DISPATCH_RETRY_DELAYS.size() + 1); // the first try and one per retry
    verifyNoMoreInteractions(deliveries, rooms, timeline);
  }

  @Test
  void cancellingTheInstanceReleasesItsRoomTurn() {
    ProcessInstance instance = start(true);
    dispatch(instance);
    assertThat(instance)
        .isWaitingAtExactly("SubProcess_DeliveryAttempts", "Timer_ResendDue", "Timer_AckGateTimeout");

    runtime.deleteProcessInstance(instance.getId(), "cancelled in Cockpit");

    assertThat(instance).isEnded();
    InOrder order = inOrder(timeline, rooms);
    order.verify(timeline).record(MESSAGE_ID, TimelineEvent.CANCELLED);
    order.verify(rooms).release(ROOM_ID, MESSAGE_ID);
    verify(rooms).claim(ROOM_ID, MESSAGE_ID);
    verifyProviderCalls(1);
    verifyNoMoreInteractions(deliveries, rooms, timeline);
  }

  /** Starts the instance through the real start code, as intake does. */
  private ProcessInstance start(boolean withFallbackEmail) {
    process.start(
        new NewMessage(
            MESSAGE_ID,
            ROOM_ID,
            CHANNEL,
            "+4917012345678",
            "Hello",
            withFallbackEmail ? "ann@example.org" : null));
    return runtime
        .createProcessInstanceQuery()
        .processInstanceBusinessKey(MESSAGE_ID)
        .singleResult();
  }

  private void dispatch(ProcessInstance instance) {
    execute(job("Task_DispatchMessage", instance));
  }

  /** The resend timer is due the policy's delay after it was set: let that pass, resend. */
  private void resendAfter(ProcessInstance instance, Duration delay) {
    Job timer = job("Timer_ResendDue", instance);
    assertThat(timer.getDuedate()).isEqualTo(inFuture(delay));
    ClockUtil.setCurrentTime(timer.getDuedate());
    execute(timer);
    dispatch(instance);
  }

  /** MAX_ATTEMPTS provider calls, one after each resend delay of the policy, then the last wait. */
  private void exhaustAttempts(ProcessInstance instance) {
    dispatch(instance);
    RESEND_DELAYS.forEach(delay -> resendAfter(instance, delay));
    assertThat(instance).variables().containsEntry(VAR_ATTEMPT, MAX_ATTEMPTS);
    // the last attempt, too, gets the (last, repeating) delay to be acknowledged
    assertThat(instance)
        .isWaitingAtExactly("SubProcess_DeliveryAttempts", "Timer_ResendDue", "Timer_AckGateTimeout");
    Job last = job("Timer_ResendDue", instance);
    assertThat(last.getDuedate()).isEqualTo(inFuture(RESEND_DELAYS.get(RESEND_DELAYS.size() - 1)));
    ClockUtil.setCurrentTime(last.getDuedate());
    execute(last);
  }

  /** Runs the dispatch job into the provider's 503; returns the job as the engine left it. */
  private Job failDispatch(ProcessInstance instance) {
    Job dispatch = job("Task_DispatchMessage", instance);
    assertThatThrownBy(() -> execute(dispatch)).isInstanceOf(TransientProviderException.class);
    return management.createJobQuery().jobId(dispatch.getId()).singleResult();
  }

  /** Acknowledged: the turn passed on; waits for the read report or the read TTL, nothing else. */
  private void assertWaitsForRead(ProcessInstance instance) {
    assertThat(instance).isWaitingAtExactly("Gateway_AwaitRead");
    assertThat(
            runtime
                .createEventSubscriptionQuery()
                .processInstanceId(instance.getId())
                .eventName(MESSAGE_READ)
                .activityId("Event_MessageRead")
                .count())
        .isOne();
    assertThat(jobsOf(instance)).containsExactly("Timer_ReadTimeToLive");
    assertThat(job("Timer_ReadTimeToLive", instance).getDuedate())
        .isEqualTo(inFuture(READ_TIME_TO_LIVE));
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

  /** Delivered: turn claimed, the provider called, the turn released (idempotent), in order. */
  private void verifyDelivered(int providerCalls, int releases) {
    InOrder order = inOrder(rooms, deliveries);
    order.verify(rooms).claim(ROOM_ID, MESSAGE_ID);
    order.verify(deliveries, times(providerCalls)).dispatch(MESSAGE_ID);
    order.verify(rooms, times(releases)).release(ROOM_ID, MESSAGE_ID);
    verifyProviderCalls(providerCalls);
    verifyNoMoreInteractions(deliveries, rooms, timeline);
  }

  /** Given up: marked, e-mailed if there is an address, turn released by the end listener. */
  private void verifyGivenUp(MessageStatus outcome, int providerCalls, boolean fallbackEmail) {
    InOrder order = inOrder(rooms, deliveries);
    order.verify(rooms).claim(ROOM_ID, MESSAGE_ID);
    order.verify(deliveries, times(providerCalls)).dispatch(MESSAGE_ID);
    order.verify(deliveries).giveUp(MESSAGE_ID, outcome);
    order.verify(deliveries, times(fallbackEmail ? 1 : 0)).sendFallbackEmail(MESSAGE_ID);
    order.verify(rooms).release(ROOM_ID, MESSAGE_ID);
    verifyProviderCalls(providerCalls);
    verifyNoMoreInteractions(deliveries, rooms, timeline);
  }

  /** The provider was called this often, every call with the message's Idempotency-Key. */
  private void verifyProviderCalls(int calls) {
    verify(deliveries, times(calls)).dispatch(MESSAGE_ID);
    assertThat(provider.idempotencyKeys())
        .containsExactlyElementsOf(Collections.nCopies(calls, MESSAGE_ID));
  }

  /** The activities whose jobs (async steps, timers) the instance has now. */
  private List<String> jobsOf(ProcessInstance instance) {
    return management.createJobQuery().processInstanceId(instance.getId()).list().stream()
        .map(
            job ->
                management
                    .createJobDefinitionQuery()
                    .jobDefinitionId(job.getJobDefinitionId())
                    .singleResult()
                    .getActivityId())
        .toList();
  }

  private static Date inFuture(Duration delay) {
    return Date.from(ClockUtil.getCurrentTime().toInstant().plus(delay));
  }
}
