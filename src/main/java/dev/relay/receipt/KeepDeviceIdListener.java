package dev.relay.receipt;

import static dev.relay.receipt.ReadReceiptSyncProcess.VAR_DEVICE_ID;
import static dev.relay.receipt.ReadReceiptSyncProcess.deviceId;

import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.ExecutionListener;
import org.springframework.stereotype.Component;

/**
 * Start of each SubProcess_PushReceipts instance. The engine keeps the element variable deviceId
 * outside the instance's scope, and a completed instance's compensation sees only a snapshot of
 * that scope: a copy inside it tells Task_RetractReceipt which device to retract from.
 */
@Component("keepDeviceIdListener")
class KeepDeviceIdListener implements ExecutionListener {

  @Override
  public void notify(DelegateExecution execution) {
    execution.setVariableLocal(VAR_DEVICE_ID, deviceId(execution));
  }
}
