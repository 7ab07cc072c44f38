package dev.relay.receipt;

import static dev.relay.receipt.ReadReceiptSyncProcess.*;

import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.springframework.stereotype.Component;

/** Task_MoveCloudPointer. */
@Component("moveCloudPointerDelegate")
class MoveCloudPointerDelegate implements JavaDelegate {

  private final ReadSyncSteps steps;

  MoveCloudPointerDelegate(ReadSyncSteps steps) {
    this.steps = steps;
  }

  @Override
  public void execute(DelegateExecution execution) {
    steps.moveCloudPointer(syncId(execution));
  }
}
