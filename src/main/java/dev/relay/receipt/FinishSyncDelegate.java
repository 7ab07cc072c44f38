package dev.relay.receipt;

import static dev.relay.receipt.ReadReceiptSyncProcess.*;

import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.springframework.stereotype.Component;

/** Task_RecordSyncCompleted / Task_RecordSyncCompensated: input {@code syncStatus} says which. */
@Component("finishSyncDelegate")
class FinishSyncDelegate implements JavaDelegate {

  private final ReadSyncSteps steps;

  FinishSyncDelegate(ReadSyncSteps steps) {
    this.steps = steps;
  }

  @Override
  public void execute(DelegateExecution execution) {
    steps.finish(syncId(execution), syncStatus(execution));
  }
}
