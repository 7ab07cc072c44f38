package dev.relay.room;

import static dev.relay.delivery.FakeProvider.Reply.ACCEPT;
import static dev.relay.delivery.FakeProvider.Reply.ACCEPT_ACK_RACED;
import static dev.relay.delivery.FakeProvider.Reply.REJECT;
import static dev.relay.delivery.FakeProvider.Reply.UNAVAILABLE;
import static dev.relay.room.RoomDeliveryProcess.MESSAGE_QUEUED;
import static dev.relay.room.RoomDeliveryProcess.VAR_CHANNEL;
import static dev.relay.room.RoomDeliveryProcess.VAR_MESSAGE_ID;
import static dev.relay.support.EngineJobs.inFuture;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.assertThat;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.execute;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.job;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.inOrder;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.verifyNoMoreInteractions;
import static org.mockito.Mockito.when;

import dev.relay.channel.ChannelPolicies;
import dev.relay.channel.TransientProviderException;
import dev.relay.delivery.DeliveryReport;
import dev.relay.delivery.DeliveryService;
import dev.relay.delivery.FakeProvider;
import dev.relay.engine.ProcessInstances;
import dev.relay.support.EngineJobs;
import dev.relay.support.TestPolicies;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Date;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.camunda.bpm.engine.ManagementService;
import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.RuntimeService;
import org.camunda.bpm.engine.impl.util.ClockUtil;
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
 * Every path of room-delivery.bpmn on an in-memory engine without Spring: the real delegates, the
 * real {@link ChannelPolicies} and {@link RoomPolicies} (so timers are due and jobs retried when
 * the policies say), a mocked {@link RoomQueue} that hands out the test's waiting messages in turn,
 * and a {@link FakeProvider} behind a mocked {@link DeliveryService}. Instances are started and
 * woken through the real {@link RoomInstances}; delivery reports are correlated as the webhook's
 * DeliveryInstances does it. No job executor: each test runs the jobs and timers itself, with the
 * engine clock held still.
 */
@ExtendWith(ProcessEngineExtension.class)
@Deployment(resources = "bpmn/room-delivery.bpmn")
class RoomDeliveryProcessTest {

  private static final String ROOM_ID = "room-1";
  private static final String CHANNEL = "testchat";
  private static final Instant START = Instant.parse("2025-03-01T10:00:00Z");

  private static final Duration ACK_GATE_TIMEOUT = Duration.ofSeconds(2);
  private static final Duration IDLE_TIMEOUT = Duration.ofSeconds(30);
  private static final List<Duration> DISPATCH_RETRY_DELAYS =
      List.of(Duration.ofSeconds(5), Duration.ofSeconds(15), Duration.ofMinutes(1));

  ProcessEngine processEngine; // injected by ProcessEngineExtension

  private final DeliveryService deliveries = mock(DeliveryService.class);
  private final RoomQueue queue = mock(RoomQueue.class);

  /** The room's waiting messages, as the queue hands them out. */
  private final Deque<RoomQueue.Taken> waiting = new ArrayDeque<>();

  private final ChannelPolicies policies =
      TestPolicies.of(
          CHANNEL, ACK_GATE_TIMEOUT, List.of(Duration.ofSeconds(15)), 8, DISPATCH_RETRY_DELAYS);

  private FakeProvider provider;
  private RuntimeService runtime;
  private ManagementService management;
  private RoomInstances instances;

  @BeforeEach
  void wireEngine() {
    BpmnAwareTests.init(processEngine);
    runtime = processEngine.getRuntimeService();
    management = processEngine.getManagementService();
    instances = new RoomInstances(runtime, new ProcessInstances(processEngine));
    ClockUtil.setCurrentTime(Date.from(START));

    Mocks.register("channelPolicies", policies);
    Mocks.register("roomPolicies", new RoomPolicies(new RelayRoomsProperties(IDLE_TIMEOUT)));
    Mocks.register("takeNextMessageDelegate", new TakeNextMessageDelegate(queue));
    Mocks.register("dispatchMessageDelegate", new DispatchMessageDelegate(deliveries));
    Mocks.register("handOverMessageDelegate", new HandOverMessageDelegate(deliveries));

    when(queue.takeNext(eq(ROOM_ID), anyString()))
        .thenAnswer(call -> Optional.ofNullable(waiting.poll()));
    provider = FakeProvider.behind(deliveries, policies.dispatchTries());
  }

  @AfterEach
  void unwireEngine() {
    Mocks.reset();
    ClockUtil.reset();
  }

  @Test
  void startTakesTheRoomsFirstMessageAndQueuesItsDispatch() {
    queue("m-1", "m-2");

    ProcessInstance room = start();

    assertThat(room)
        .isWaitingAtExactly("Task_DispatchMessage")
        .hasBusinessKey(ROOM_ID)
        .hasPassedInOrder(
            "StartEvent_MessageQueued",
            "Gateway_NextMessage",
            "Task_TakeNextMessage",
            "Gateway_MessageWaiting")
        .variables()
        .containsEntry(VAR_MESSAGE_ID, "m-1")
        .doesNotContainKey(VAR_CHANNEL); // set by the dispatch, transient, for the gate timer
    // the provider is called in a job of its own, never in the intake's transaction
    assertThat(jobsOf(room)).containsExactly("Task_DispatchMessage");
    verify(queue).takeNext(ROOM_ID, room.getId());
    verifyNoMoreInteractions(queue);
    verifyNoInteractions(deliveries);
    assertThat(waiting).extracting(RoomQueue.Taken::messageId).containsExactly("m-2");
  }

  @Test
  void ackWithinTheGateTakesTheNextMessageInTheSameCorrelationUntilTheRoomIsIdle() {
    queue("m-1", "m-2");
    ProcessInstance room = start();

    dispatch(room);
    assertWaitsAtGate(room, "m-1", START);

    assertThat(report(room, DeliveryReport.DELIVERED)).isOne();

    // the next message is taken and its dispatch job created in the ACK's own transaction
    assertThat(room)
        .isWaitingAtExactly("Task_DispatchMessage")
        .variables()
        .containsEntry(VAR_MESSAGE_ID, "m-2");
    assertThat(jobsOf(room)).containsExactly("Task_DispatchMessage");

    dispatch(room);
    assertWaitsAtGate(room, "m-2", START);
    assertThat(report(room, DeliveryReport.DELIVERED)).isOne();

    assertWaitsIdle(room, START);
    assertThat(room)
        .hasPassedInOrder(
            "StartEvent_MessageQueued",
            "Gateway_NextMessage",
            "Task_TakeNextMessage",
            "Gateway_MessageWaiting",
            "Task_DispatchMessage",
            "Gateway_ReportSoFar",
            "Task_AwaitDeliveryReport",
            "Gateway_Delivered",
            "Gateway_NextMessage",
            "Task_TakeNextMessage",
            "Gateway_MessageWaiting",
            "Task_DispatchMessage",
            "Gateway_ReportSoFar",
            "Task_AwaitDeliveryReport",
            "Gateway_Delivered",
            "Gateway_NextMessage",
            "Task_TakeNextMessage",
            "Gateway_MessageWaiting")
        .hasNotPassed(
            "Timer_AckGateTimeout",
            "Event_DispatchRetriesExhausted",
            "Gateway_MessageLeavesRoom",
            "Task_HandOverMessage");
    InOrder order = inOrder(queue, deliveries);
    order.verify(queue).takeNext(ROOM_ID, room.getId());
    order.verify(deliveries).dispatch("m-1");
    order.verify(queue).takeNext(ROOM_ID, room.getId());
    order.verify(deliveries).dispatch("m-2");
    order.verify(queue).takeNext(ROOM_ID, room.getId());
    verifyNoMoreInteractions(queue, deliveries);
    assertThat(provider.idempotencyKeys()).containsExactly("m-1", "m-2");
  }

  @Test
  void ackAlreadyInAtDispatchTakesTheNextMessageWithoutWaiting() {
    queue("m-1", "m-2");
    provider.replies("m-1", ACCEPT_ACK_RACED);
    ProcessInstance room = start();

    // the ACK came while the provider call was in flight: nobody waits for it yet, it is on the
    // message row, and the dispatch reads it there
    assertThat(report(room, DeliveryReport.DELIVERED)).isZero();
    assertThat(room).isWaitingAtExactly("Task_DispatchMessage");

    dispatch(room);

    assertThat(room)
        .isWaitingAtExactly("Task_DispatchMessage")
        .variables()
        .containsEntry(VAR_MESSAGE_ID, "m-2");
    assertThat(jobsOf(room)).containsExactly("Task_DispatchMessage");
    assertThat(room)
        .hasPassedInOrder(
            "Task_DispatchMessage",
            "Gateway_ReportSoFar",
            "Gateway_NextMessage",
            "Task_TakeNextMessage",
            "Gateway_MessageWaiting")
        .hasNotPassed(
            "Task_AwaitDeliveryReport", "Gateway_MessageLeavesRoom", "Task_HandOverMessage");
    InOrder order = inOrder(queue, deliveries);
    order.verify(queue).takeNext(ROOM_ID, room.getId());
    order.verify(deliveries).dispatch("m-1");
    order.verify(queue).takeNext(ROOM_ID, room.getId());
    verifyNoMoreInteractions(queue, deliveries);
  }

  @Test
  void rejectionHandsTheMessageOverAndTheRoomMovesOn() {
    queue("m-1", "m-2");
    provider.replies("m-1", REJECT);
    ProcessInstance room = start();

    dispatch(room);

    assertThat(room)
        .isWaitingAtExactly("Task_DispatchMessage")
        .variables()
        .containsEntry(VAR_MESSAGE_ID, "m-2");
    assertThat(room)
        .hasPassedInOrder(
            "Task_DispatchMessage",
            "Gateway_ReportSoFar",
            "Gateway_MessageLeavesRoom",
            "Task_HandOverMessage",
            "Gateway_NextMessage",
            "Task_TakeNextMessage")
        .hasNotPassed("Task_AwaitDeliveryReport", "Event_DispatchRetriesExhausted");
    assertHandedOverThenTookNext(room, "m-1", 1);
  }

  @Test
  void failureReportedWithinTheGateHandsTheMessageOver() {
    queue("m-1", "m-2");
    ProcessInstance room = start();
    dispatch(room);
    assertWaitsAtGate(room, "m-1", START);

    assertThat(report(room, DeliveryReport.FAILED)).isOne();

    assertThat(room)
        .isWaitingAtExactly("Task_DispatchMessage")
        .variables()
        .containsEntry(VAR_MESSAGE_ID, "m-2");
    assertThat(jobsOf(room)).containsExactly("Task_DispatchMessage"); // no gate timer left
    assertThat(room)
        .hasPassedInOrder(
            "Task_AwaitDeliveryReport",
            "Gateway_Delivered",
            "Gateway_MessageLeavesRoom",
            "Task_HandOverMessage",
            "Gateway_NextMessage",
            "Task_TakeNextMessage")
        .hasNotPassed("Timer_AckGateTimeout");
    assertHandedOverThenTookNext(room, "m-1", 1);
  }

  @Test
  void ackGateTimeoutHandsTheMessageOverAndTheRoomMovesOn() {
    queue("m-1", "m-2");
    ProcessInstance room = start();
    Instant dispatchedAt = START.plusSeconds(1); // the job ran a second after intake
    ClockUtil.setCurrentTime(Date.from(dispatchedAt));
    dispatch(room);
    assertWaitsAtGate(room, "m-1", dispatchedAt);

    Job gate = job("Timer_AckGateTimeout", room);
    ClockUtil.setCurrentTime(gate.getDuedate());
    execute(gate);

    assertThat(room)
        .isWaitingAtExactly("Task_DispatchMessage")
        .variables()
        .containsEntry(VAR_MESSAGE_ID, "m-2");
    assertThat(room)
        .hasPassedInOrder(
            "Task_AwaitDeliveryReport",
            "Timer_AckGateTimeout",
            "Gateway_MessageLeavesRoom",
            "Task_HandOverMessage",
            "Gateway_NextMessage",
            "Task_TakeNextMessage")
        .hasNotPassed("Gateway_Delivered");
    // m-1's report now goes to its own resend instance: the room no longer waits for it
    assertThat(report(room, DeliveryReport.DELIVERED)).isZero();
    assertHandedOverThenTookNext(room, "m-1", 1);
  }

  @Test
  void transientFailuresRetryOnTheDispatchCycleAndARetryThatGoesThroughOpensTheGate() {
    queue("m-1");
    provider.replies("m-1", UNAVAILABLE, UNAVAILABLE, ACCEPT);
    ProcessInstance room = start();

    Job failed = failDispatch(room);
    assertThat(failed.getRetries()).isEqualTo(DISPATCH_RETRY_DELAYS.size());
    assertThat(failed.getDuedate()).isEqualTo(inFuture(DISPATCH_RETRY_DELAYS.get(0)));
    ClockUtil.setCurrentTime(failed.getDuedate());
    failed = failDispatch(room);
    assertThat(failed.getRetries()).isEqualTo(DISPATCH_RETRY_DELAYS.size() - 1);
    assertThat(failed.getDuedate()).isEqualTo(inFuture(DISPATCH_RETRY_DELAYS.get(1)));
    ClockUtil.setCurrentTime(failed.getDuedate());
    Instant third = failed.getDuedate().toInstant();

    dispatch(room);

    assertWaitsAtGate(room, "m-1", third);
    assertThat(runtime.createIncidentQuery().processInstanceId(room.getId()).count()).isZero();
    assertThat(room).hasNotPassed("Event_DispatchRetriesExhausted", "Task_HandOverMessage");
    InOrder order = inOrder(queue, deliveries);
    order.verify(queue).takeNext(ROOM_ID, room.getId());
    order.verify(deliveries).dispatch("m-1");
    order.verify(deliveries).dispatchRetriesExhausted("m-1");
    order.verify(deliveries).dispatch("m-1");
    order.verify(deliveries).dispatchRetriesExhausted("m-1");
    order.verify(deliveries).dispatch("m-1");
    verifyNoMoreInteractions(queue, deliveries);
    assertThat(provider.idempotencyKeys()).containsExactly("m-1", "m-1", "m-1");
  }

  @Test
  void lastTryTheCycleAllowsHandsTheMessageOverInsteadOfRaisingAnIncident() {
    queue("m-1", "m-2");
    provider.replies("m-1", UNAVAILABLE);
    ProcessInstance room = start();

    int retriesLeft = DISPATCH_RETRY_DELAYS.size();
    for (Duration delay : DISPATCH_RETRY_DELAYS) {
      Job failed = failDispatch(room);
      assertThat(failed.getRetries()).isEqualTo(retriesLeft--);
      assertThat(failed.getDuedate()).isEqualTo(inFuture(delay));
      assertThat(failed.getExceptionMessage()).isEqualTo("provider answered 503");
      ClockUtil.setCurrentTime(failed.getDuedate());
    }
    String lastTry = job("Task_DispatchMessage", room).getId();

    execute(job("Task_DispatchMessage", room)); // the BpmnError is caught by the boundary event

    assertThat(runtime.createIncidentQuery().processInstanceId(room.getId()).count()).isZero();
    assertThat(room)
        .isWaitingAtExactly("Task_DispatchMessage")
        .variables()
        .containsEntry(VAR_MESSAGE_ID, "m-2");
    Job next = job("Task_DispatchMessage", room);
    assertThat(next.getId()).isNotEqualTo(lastTry);
    assertThat(next.getExceptionMessage()).isNull(); // m-2's dispatch starts its own cycle
    assertThat(room)
        .hasPassedInOrder(
            "Task_DispatchMessage",
            "Event_DispatchRetriesExhausted",
            "Gateway_MessageLeavesRoom",
            "Task_HandOverMessage",
            "Gateway_NextMessage",
            "Task_TakeNextMessage",
            "Gateway_MessageWaiting")
        .hasNotPassed("Gateway_ReportSoFar", "Task_AwaitDeliveryReport");
    int tries = policies.dispatchTries();
    assertThat(tries).isEqualTo(DISPATCH_RETRY_DELAYS.size() + 1);
    verify(deliveries, times(tries)).dispatchRetriesExhausted("m-1");
    assertHandedOverThenTookNext(room, "m-1", tries);

    dispatch(room);
    assertWaitsAtGate(room, "m-2", ClockUtil.getCurrentTime().toInstant());
  }

  @Test
  void idleRoomWaitsForTheNextMessageAndMessageQueuedWakesIt() {
    ProcessInstance room = start(); // started with nothing waiting: it takes nothing and idles

    assertWaitsIdle(room, START);
    assertThat(
            runtime
                .createEventSubscriptionQuery()
                .processInstanceId(room.getId())
                .eventName(MESSAGE_QUEUED)
                .activityId("Task_AwaitNextMessage")
                .count())
        .isOne();

    ClockUtil.setCurrentTime(Date.from(START.plusSeconds(10)));
    queue("m-1");
    assertThat(instances.wake(room.getId())).isTrue();

    assertThat(room)
        .isWaitingAtExactly("Task_DispatchMessage")
        .variables()
        .containsEntry(VAR_MESSAGE_ID, "m-1")
        .doesNotContainKey(VAR_CHANNEL); // set by the dispatch, transient, for the gate timer
    assertThat(jobsOf(room)).containsExactly("Task_DispatchMessage"); // the idle timer is gone
    assertThat(room)
        .hasPassedInOrder(
            "Task_TakeNextMessage",
            "Gateway_MessageWaiting",
            "Task_AwaitNextMessage",
            "Gateway_NextMessage",
            "Task_TakeNextMessage",
            "Gateway_MessageWaiting")
        .hasNotPassed("Timer_RoomIdle", "EndEvent_RoomIdle");
    verify(queue, times(2)).takeNext(ROOM_ID, room.getId());

    // busy, it waits for no MessageQueued: the queue leaves it alone, it takes the next in turn
    assertThat(instances.wake(room.getId())).isFalse();
    assertThat(instances.isRunning(room.getId())).isTrue();
    assertThat(room).isWaitingAtExactly("Task_DispatchMessage");
    verifyNoMoreInteractions(queue);
    verifyNoInteractions(deliveries);
  }

  @Test
  void idleTimeoutEndsTheInstance() {
    queue("m-1");
    ProcessInstance room = start();
    dispatch(room);
    ClockUtil.setCurrentTime(Date.from(START.plusMillis(500)));
    report(room, DeliveryReport.DELIVERED);
    assertWaitsIdle(room, START.plusMillis(500));

    Job idle = job("Timer_RoomIdle", room);
    ClockUtil.setCurrentTime(idle.getDuedate());
    execute(idle);

    assertThat(room)
        .isEnded()
        .hasPassedInOrder("Task_AwaitNextMessage", "Timer_RoomIdle", "EndEvent_RoomIdle");
    assertThat(
            processEngine
                .getHistoryService()
                .createHistoricProcessInstanceQuery()
                .processInstanceId(room.getId())
                .singleResult()
                .getEndActivityId())
        .isEqualTo("EndEvent_RoomIdle");
    // the next message finds no instance to wake: intake starts a new one
    assertThat(instances.isRunning(room.getId())).isFalse();
    assertThat(instances.wake(room.getId())).isFalse();
    verify(queue, times(2)).takeNext(ROOM_ID, room.getId());
    verify(deliveries).dispatch("m-1");
    verifyNoMoreInteractions(queue, deliveries);
  }

  private void queue(String... messageIds) {
    for (String messageId : messageIds) {
      waiting.add(new RoomQueue.Taken(messageId, CHANNEL));
    }
  }

  /** Starts the room's instance through the real start code, as intake does. */
  private ProcessInstance start() {
    instances.start(ROOM_ID);
    return runtime
        .createProcessInstanceQuery()
        .processDefinitionKey(RoomDeliveryProcess.KEY)
        .processInstanceBusinessKey(ROOM_ID)
        .singleResult();
  }

  private void dispatch(ProcessInstance room) {
    execute(job("Task_DispatchMessage", room));
  }

  /** Runs the dispatch job into the provider's 503; returns the job as the engine left it. */
  private Job failDispatch(ProcessInstance room) {
    Job dispatch = job("Task_DispatchMessage", room);
    assertThatThrownBy(() -> execute(dispatch))
        .isInstanceOf(TransientProviderException.class)
        .hasMessage("provider answered 503");
    return management.createJobQuery().jobId(dispatch.getId()).singleResult();
  }

  /**
   * The webhook's correlation (DeliveryInstances.report): the real message name and the transient
   * report, to the instance by its id.
   *
   * @return how many instances it reached
   */
  private int report(ProcessInstance room, DeliveryReport report) {
    boolean reached =
        new ProcessInstances(processEngine)
            .messageReceived(
                room.getId(),
                DeliveryReport.MESSAGE,
                Map.of(DeliveryReport.VARIABLE, report.asVariable()));
    return reached ? 1 : 0;
  }

  /** Dispatched: waits for the message's report, up to the channel's ACK gate from the dispatch. */
  private void assertWaitsAtGate(ProcessInstance room, String messageId, Instant dispatchedAt) {
    assertThat(room)
        .isWaitingAtExactly("Task_AwaitDeliveryReport")
        .variables()
        .containsEntry(VAR_MESSAGE_ID, messageId)
        .doesNotContainKey(DeliveryReport.VARIABLE); // transient: never stored
    assertThat(jobsOf(room)).containsExactly("Timer_AckGateTimeout");
    assertThat(job("Timer_AckGateTimeout", room).getDuedate())
        .isEqualTo(Date.from(dispatchedAt.plus(ACK_GATE_TIMEOUT)));
    assertThat(
            runtime
                .createEventSubscriptionQuery()
                .processInstanceId(room.getId())
                .eventName(DeliveryReport.MESSAGE)
                .activityId("Task_AwaitDeliveryReport")
                .count())
        .isOne();
  }

  /** Nothing waiting: the instance waits for MessageQueued, up to the idle timeout. */
  private void assertWaitsIdle(ProcessInstance room, Instant since) {
    assertThat(room)
        .isWaitingAtExactly("Task_AwaitNextMessage")
        .variables()
        .containsEntry(VAR_MESSAGE_ID, null)
        .doesNotContainKey(VAR_CHANNEL);
    assertThat(jobsOf(room)).containsExactly("Timer_RoomIdle");
    assertThat(job("Timer_RoomIdle", room).getDuedate())
        .isEqualTo(Date.from(since.plus(IDLE_TIMEOUT)));
  }

  /**
   * The room called the provider {@code providerCalls} times for the message, handed it over, then
   * took the next: all in that order, nothing else.
   */
  private void assertHandedOverThenTookNext(
      ProcessInstance room, String messageId, int providerCalls) {
    InOrder order = inOrder(queue, deliveries);
    order.verify(queue).takeNext(ROOM_ID, room.getId());
    order.verify(deliveries, times(providerCalls)).dispatch(messageId);
    order.verify(deliveries).handOver(messageId);
    order.verify(queue).takeNext(ROOM_ID, room.getId());
    verify(queue, times(2)).takeNext(ROOM_ID, room.getId());
    verify(deliveries, times(providerCalls)).dispatch(messageId);
    verify(deliveries).handOver(messageId);
    if (providerCalls > 1) {
      verify(deliveries, times(providerCalls)).dispatchRetriesExhausted(messageId);
    }
    verifyNoMoreInteractions(queue, deliveries);
    assertThat(provider.idempotencyKeys())
        .containsExactlyElementsOf(Collections.nCopies(providerCalls, messageId));
  }

  /** The activities whose jobs (async steps, timers) the instance has now. */
  private List<String> jobsOf(ProcessInstance instance) {
    return EngineJobs.activitiesOf(management, instance);
  }
}
