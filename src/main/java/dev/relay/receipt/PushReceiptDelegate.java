package dev.relay.receipt;

import static dev.relay.receipt.ReadReceiptSyncProcess.*;

import org.camunda.bpm.engine.delegate.BpmnError;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.springframework.stereotype.Component;

/**
 * Task_PushReceipt, one instance per other device. A transient failure fails the job (the engine
 * retries); a failure for good becomes Error_SyncStepFailed.
 */
@Component("pushReceiptDelegate")
class PushReceiptDelegate implements JavaDelegate {

  private final ReadSyncSteps steps;

  PushReceiptDelegate(ReadSyncSteps steps) {
    this.steps = steps;
  }

  @Override
  public void execute(DelegateExecution execution) {
    try {
      steps.pushReceipt(syncId(execution), deviceId(execution));
    } catch (SyncStepFailedException e) {
      throw new BpmnError(ERROR_SYNC_STEP_FAILED, e.getMessage());
    }
  }
}
