package dev.relay.receipt;

import static dev.relay.receipt.ReadReceiptSyncProcess.VAR_DEVICE_ID;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.assertThat;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.execute;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.doNothing;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.inOrder;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoMoreInteractions;
import static org.mockito.Mockito.when;

import java.time.Duration;
import java.util.List;
import org.camunda.bpm.engine.ProcessEngine;
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
 * Every path of read-receipt-sync.bpmn on an in-memory engine without Spring: the real delegates
 * and {@link ReceiptPolicies}, a mocked {@link ReadSyncSteps} (the orchestration is tested apart
 * from the integrations; {@code ReadSyncStepsTest} and the ITs test the steps). No job executor:
 * each test runs the jobs itself, in the order it chooses.
 */
@ExtendWith(ProcessEngineExtension.class)
@Deployment(resources = "bpmn/read-receipt-sync.bpmn")
class ReadReceiptSyncProcessTest {

  private static final String SYNC = "sync-1";
  private static final List<Duration> RETRY_DELAYS = List.of(Duration.ofSeconds(5), Duration.ofSeconds(30));

  ProcessEngine processEngine; // injected by ProcessEngineExtension

  private final ReadSyncSteps steps = mock(ReadSyncSteps.class);
  private final ReceiptTargets targets = mock(ReceiptTargets.class);
  private final ReceiptPolicies policies =
      new ReceiptPolicies(new RelayReceiptsProperties(Duration.ofSeconds(5), RETRY_DELAYS, List.of("http", "https"), List.of(), false));

  @BeforeEach
  void registerBeans() {
    BpmnAwareTests.init(processEngine);
    Mocks.register("markOriginReadDelegate", new MarkOriginReadDelegate(steps));
    Mocks.register("undoOriginMarkDelegate", new UndoOriginMarkDelegate(steps));
    Mocks.register("moveCloudPointerDelegate", new MoveCloudPointerDelegate(steps));
    Mocks.register("restoreCloudPointerDelegate", new RestoreCloudPointerDelegate(steps));
    Mocks.register("pushReceiptDelegate", new PushReceiptDelegate(steps));
    Mocks.register("retractReceiptDelegate", new RetractReceiptDelegate(steps));
    Mocks.register("notifyOriginDelegate", new NotifyOriginDelegate(steps));
    Mocks.register("finishSyncDelegate", new FinishSyncDelegate(steps));
    Mocks.register("stopPushesDelegate", new StopPushesDelegate());
    Mocks.register("keepDeviceIdListener", new KeepDeviceIdListener());
    Mocks.register("receiptPolicies", policies);
    Mocks.register("receiptTargets", targets);
    when(targets.otherDevices(SYNC)).thenReturn(List.of("laptop", "tablet", "watch"));
  }

  @AfterEach
  void resetBeans() {
    Mocks.reset();
  }

  @Test
  void allDevicesTakeTheReceipt_syncCompletes() {
    ProcessInstance sync = start();
    assertThat(sync).isWaitingAt("Task_MarkOriginRead");
    runJob("Task_MarkOriginRead");
    assertThat(sync).isWaitingAt("Task_MoveCloudPointer");
    runJob("Task_MoveCloudPointer");

    assertThat(pushJobs()).as("jobs: %s", allJobs()).hasSize(3);
    execute(pushJob("laptop"));
    execute(pushJob("watch"));
    execute(pushJob("tablet"));

    assertThat(sync)
        .hasPassedInOrder("Task_MarkOriginRead", "Task_MoveCloudPointer", "Task_PushReceipt", "Task_RecordSyncCompleted")
        .hasNotPassed("SubProcess_CompensateSync")
        .isEnded()
        .hasPassed("EndEvent_SyncCompleted");
    InOrder order = inOrder(steps);
    order.verify(steps).markOriginRead(SYNC);
    order.verify(steps).moveCloudPointer(SYNC);
    order.verify(steps).pushReceipt(SYNC, "laptop");
    order.verify(steps).pushReceipt(SYNC, "watch");
    order.verify(steps).pushReceipt(SYNC, "tablet");
    order.verify(steps).finish(SYNC, SyncStatus.COMPLETED);
    verifyNoMoreInteractions(steps);
  }

  @Test
  void userWithoutOtherDevices_syncCompletesWithoutPushes() {
    when(targets.otherDevices(SYNC)).thenReturn(List.of());
    ProcessInstance sync = start();
    runJob("Task_MarkOriginRead");
    runJob("Task_MoveCloudPointer");

    assertThat(sync).isEnded().hasPassed("EndEvent_SyncCompleted");
    verify(steps, never()).pushReceipt(anyString(), anyString());
    verify(steps).finish(SYNC, SyncStatus.COMPLETED);
  }

  @Test
  void secondOfThreeDevicesRefuses_completedStepsCompensatedNewestFirstOnce() {
    doThrow(new SyncStepFailedException("device answered 410")).when(steps).pushReceipt(SYNC, "tablet");
    ProcessInstance sync = runUntilTabletRefuses();

    // the pushes still pending were cancelled; only the completed one is compensated
    assertThat(pushJobs()).isEmpty();
    assertThat(sync).isWaitingAt("Task_RetractReceipt");
    runJob("Task_RetractReceipt");
    assertThat(sync).isWaitingAt("Task_RestoreCloudPointer");
    runJob("Task_RestoreCloudPointer");
    assertThat(sync).isWaitingAt("Task_UndoOriginMark");
    runJob("Task_UndoOriginMark");
    assertThat(sync).isWaitingAt("Task_NotifyOrigin");
    runJob("Task_NotifyOrigin");

    assertThat(sync)
        .isEnded()
        .hasPassedInOrder(
            "Event_ReceiptRefused",
            "Task_StopPushes",
            "EndEvent_ReceiptRefused",
            "StartEvent_SyncStepFailed",
            "Task_RetractReceipt",
            "Task_RestoreCloudPointer",
            "Task_UndoOriginMark",
            "Task_NotifyOrigin",
            "Task_RecordSyncCompensated",
            "EndEvent_SyncCompensated")
        .hasNotPassed("Task_RecordSyncCompleted");
    verifyCompensatedOnceInReverseOrder(1);
  }

  @Test
  void failureWhileCompensating_isRetriedAndCompensationFinishes() {
    doThrow(new SyncStepFailedException("device answered 410")).when(steps).pushReceipt(SYNC, "tablet");
    doThrow(new IllegalStateException("database connection lost"))
        .doNothing()
        .when(steps)
        .restoreCloudPointer(SYNC);
    ProcessInstance sync = runUntilTabletRefuses();
    runJob("Task_RetractReceipt");

    Job restore = jobAt("Task_RestoreCloudPointer");
    assertThatThrownBy(() -> execute(restore)).hasMessageContaining("database connection lost");
    Job retry = jobAt("Task_RestoreCloudPointer");
    assertThat(retry.getRetries()).isEqualTo(policies.pushAttempts() - 1);
    assertThat(retry.getExceptionMessage()).contains("database connection lost");
    assertThat(sync).isWaitingAt("Task_RestoreCloudPointer");
    verify(steps, never()).undoOriginMark(SYNC);

    execute(retry);
    runJob("Task_UndoOriginMark");
    runJob("Task_NotifyOrigin");

    assertThat(sync).isEnded().hasPassed("EndEvent_SyncCompensated");
    verifyCompensatedOnceInReverseOrder(2);
  }

  @Test
  void transientPushFailures_areRetriedByTheEngine_thenThePushGoesThrough() {
    ProcessInstance sync = start();
    runJob("Task_MarkOriginRead");
    runJob("Task_MoveCloudPointer");
    doThrow(new TransientPushException("device answered 503", null))
        .doNothing()
        .when(steps)
        .pushReceipt(SYNC, "laptop");

    assertThatThrownBy(() -> execute(pushJob("laptop"))).isInstanceOf(TransientPushException.class);
    Job retry = pushJob("laptop");
    assertThat(retry.getRetries()).isEqualTo(policies.pushAttempts() - 1);
    assertThat(retry.getDuedate()).isAfter(ClockUtil.getCurrentTime());
    execute(retry);
    execute(pushJob("tablet"));
    execute(pushJob("watch"));

    assertThat(sync).isEnded().hasPassed("EndEvent_SyncCompleted").hasNotPassed("SubProcess_CompensateSync");
    verify(steps, times(2)).pushReceipt(SYNC, "laptop");
  }

  /**
   * The push step turns its last transient failure into a failure for good: that last attempt must
   * be the engine's last one too, or the job would end as an incident instead of compensating.
   */
  @Test
  void engineAllowsExactlyThePushAttemptsThePolicyCounts() {
    ProcessInstance sync = start();
    runJob("Task_MarkOriginRead");
    runJob("Task_MoveCloudPointer");
    doThrow(new TransientPushException("timeout", null)).when(steps).pushReceipt(SYNC, "laptop");

    for (int attempt = 1; attempt < policies.pushAttempts(); attempt++) {
      assertThatThrownBy(() -> execute(pushJob("laptop"))).isInstanceOf(TransientPushException.class);
    }
    assertThat(pushJob("laptop").getRetries()).isEqualTo(1);

    doThrow(new SyncStepFailedException("no attempt left")).when(steps).pushReceipt(SYNC, "laptop");
    execute(pushJob("laptop"));
    assertThat(processEngine.getRuntimeService().createIncidentQuery().count()).isZero();
    assertThat(sync).isWaitingAt("Task_RestoreCloudPointer");
  }

  private ProcessInstance runUntilTabletRefuses() {
    ProcessInstance sync = start();
    runJob("Task_MarkOriginRead");
    runJob("Task_MoveCloudPointer");
    execute(pushJob("laptop"));
    execute(pushJob("tablet"));
    return sync;
  }

  private void verifyCompensatedOnceInReverseOrder(int restoreCalls) {
    InOrder order = inOrder(steps);
    order.verify(steps).markOriginRead(SYNC);
    order.verify(steps).moveCloudPointer(SYNC);
    order.verify(steps).pushReceipt(SYNC, "laptop");
    order.verify(steps).pushReceipt(SYNC, "tablet");
    order.verify(steps).retractReceipt(SYNC, "laptop");
    order.verify(steps, times(restoreCalls)).restoreCloudPointer(SYNC);
    order.verify(steps).undoOriginMark(SYNC);
    order.verify(steps).notifyOrigin(SYNC);
    order.verify(steps).finish(SYNC, SyncStatus.COMPENSATED);
    verify(steps, never()).pushReceipt(SYNC, "watch");
    verify(steps, never()).retractReceipt(SYNC, "tablet");
    verify(steps, never()).retractReceipt(SYNC, "watch");
    verifyNoMoreInteractions(steps);
  }

  private ProcessInstance start() {
    return processEngine
        .getRuntimeService()
        .createProcessInstanceByKey(ReadReceiptSyncProcess.KEY)
        .businessKey(SYNC)
        .setVariables(ReadReceiptSyncProcess.startVariables())
        .execute();
  }

  private void runJob(String activityId) {
    execute(jobAt(activityId));
  }

  /** The one job at the given activity. */
  private Job jobAt(String activityId) {
    List<Job> jobs = processEngine.getManagementService().createJobQuery().activityId(activityId).list();
    if (jobs.size() != 1) {
      throw new AssertionError(jobs.size() + " jobs at " + activityId + "; all jobs: " + allJobs());
    }
    return jobs.get(0);
  }

  private List<String> allJobs() {
    return processEngine.getManagementService().createJobQuery().list().stream()
        .map(
            j ->
                processEngine.getManagementService().createJobDefinitionQuery()
                        .jobDefinitionId(j.getJobDefinitionId()).singleResult().getActivityId()
                    + " retries " + j.getRetries())
        .toList();
  }

  private List<Job> pushJobs() {
    return processEngine.getManagementService().createJobQuery().activityId("Task_PushReceipt").list();
  }

  private Job pushJob(String deviceId) {
    return pushJobs().stream()
        .filter(j -> deviceId.equals(processEngine.getRuntimeService().getVariable(j.getExecutionId(), VAR_DEVICE_ID)))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no push job for " + deviceId + "; all jobs: " + allJobs()));
  }
}
