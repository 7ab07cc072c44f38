package dev.relay.receipt;

import static dev.relay.receipt.ReadReceiptSyncProcess.*;

import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.springframework.stereotype.Component;

/** Task_RetractReceipt: compensates one instance of Task_PushReceipt, whose deviceId it sees. */
@Component("retractReceiptDelegate")
class RetractReceiptDelegate implements JavaDelegate {

  private final ReadSyncSteps steps;

  RetractReceiptDelegate(ReadSyncSteps steps) {
    this.steps = steps;
  }

  @Override
  public void execute(DelegateExecution execution) {
    steps.retractReceipt(syncId(execution), deviceId(execution));
  }
}
