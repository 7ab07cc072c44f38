package dev.relay.receipt;

import static dev.relay.receipt.ReadReceiptSyncProcess.VAR_RECEIPT_REFUSED;

import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.springframework.stereotype.Component;

/**
 * Task_StopPushes: a device refused its receipt (the push step has logged why). Sets the
 * instance-wide flag that ends the other pushes and turns the saga to compensation.
 */
@Component("stopPushesDelegate")
class StopPushesDelegate implements JavaDelegate {

  @Override
  public void execute(DelegateExecution execution) {
    execution.getProcessInstance().setVariable(VAR_RECEIPT_REFUSED, true);
  }
}
