package dev.relay.receipt;

import static dev.relay.receipt.ReadReceiptSyncProcess.*;

import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.springframework.stereotype.Component;

/** Task_RestoreCloudPointer: compensates Task_MoveCloudPointer. */
@Component("restoreCloudPointerDelegate")
class RestoreCloudPointerDelegate implements JavaDelegate {

  private final ReadSyncSteps steps;

  RestoreCloudPointerDelegate(ReadSyncSteps steps) {
    this.steps = steps;
  }

  @Override
  public void execute(DelegateExecution execution) {
    steps.restoreCloudPointer(syncId(execution));
  }
}
