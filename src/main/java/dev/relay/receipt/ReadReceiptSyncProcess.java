package dev.relay.receipt;

import java.util.Map;
import org.camunda.bpm.engine.delegate.DelegateExecution;

/**
 * Names shared by read-receipt-sync.bpmn and the code. The business key of every instance is the
 * syncId; delegates load the sync by it.
 */
public final class ReadReceiptSyncProcess {

  public static final String KEY = "ReadReceiptSyncProcess";

  /** A step failed for good (a device refused, or transient failures outlasted the retries). */
  public static final String ERROR_SYNC_STEP_FAILED = "SyncStepFailed";

  /** Element variable of the multi-instance push: the other device this instance serves. */
  public static final String VAR_DEVICE_ID = "deviceId";
  /**
   * Set once a device refused its receipt for good: ends the pushes still pending (the
   * multi-instance completion condition) and sends the saga to compensation.
   */
  public static final String VAR_RECEIPT_REFUSED = "receiptRefused";
  /** Input of the finishing tasks: COMPLETED or COMPENSATED. */
  public static final String VAR_SYNC_STATUS = "syncStatus";

  private ReadReceiptSyncProcess() {}

  /** The variables every instance starts with. */
  static Map<String, Object> startVariables() {
    return Map.of(VAR_RECEIPT_REFUSED, false);
  }

  static String syncId(DelegateExecution execution) {
    return execution.getProcessBusinessKey();
  }

  /** The push instance's device; compensation handlers see it from the instance they undo. */
  static String deviceId(DelegateExecution execution) {
    return (String) execution.getVariable(VAR_DEVICE_ID);
  }

  static SyncStatus syncStatus(DelegateExecution execution) {
    return SyncStatus.valueOf((String) execution.getVariableLocal(VAR_SYNC_STATUS));
  }
}
