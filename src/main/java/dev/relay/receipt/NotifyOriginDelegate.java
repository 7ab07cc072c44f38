package dev.relay.receipt;

import static dev.relay.receipt.ReadReceiptSyncProcess.*;

import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.springframework.stereotype.Component;

/** Task_NotifyOrigin. */
@Component("notifyOriginDelegate")
class NotifyOriginDelegate implements JavaDelegate {

  private final ReadSyncSteps steps;

  NotifyOriginDelegate(ReadSyncSteps steps) {
    this.steps = steps;
  }

  @Override
  public void execute(DelegateExecution execution) {
    steps.notifyOrigin(syncId(execution));
  }
}
