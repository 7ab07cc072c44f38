package dev.relay.receipt;

import dev.relay.receipt.DevicePush.Receipt;
import dev.relay.receipt.DevicePush.SyncFailed;
import dev.relay.receipt.ReadSync.PointerState;
import java.time.Instant;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The saga's steps and their compensations, each run by one task of read-receipt-sync.bpmn in that
 * task's job transaction, and each logged in the sync's step log. Every one may run again after
 * a crash before its job committed: the database steps check what they already did, and the
 * device calls are idempotent by syncId.
 */
@Service
class ReadSyncSteps {

  private final ReadSyncRepository syncs;
  private final ReadMarkRepository marks;
  private final CloudReadPointers pointers;
  private final DeviceRepository devices;
  private final DevicePush push;
  private final ReceiptPolicies policies;
  private final TransactionTemplate ownTransaction;

  ReadSyncSteps(
      ReadSyncRepository syncs,
      ReadMarkRepository marks,
      CloudReadPointers pointers,
      DeviceRepository devices,
      DevicePush push,
      ReceiptPolicies policies,
      PlatformTransactionManager transactions) {
    this.syncs = syncs;
    this.marks = marks;
    this.pointers = pointers;
    this.devices = devices;
    this.push = push;
    this.policies = policies;
    this.ownTransaction = new TransactionTemplate(transactions);
    this.ownTransaction.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
  }

  void markOriginRead(String syncId) {
    marks.markIfAbsent(load(syncId), Instant.now());
    log(syncId, SyncStep.MARK_ORIGIN_READ.name(), StepStatus.DONE, null);
  }

  void undoOriginMark(String syncId) {
    if (marks.undoMark(syncId, Instant.now())) {
      log(syncId, SyncStep.MARK_ORIGIN_READ.name(), StepStatus.COMPENSATED, null);
    }
  }

  void moveCloudPointer(String syncId) {
    PointerState outcome = pointers.move(syncId);
    log(
        syncId,
        SyncStep.MOVE_CLOUD_POINTER.name(),
        outcome == PointerState.MOVED ? StepStatus.DONE : StepStatus.UNCHANGED,
        null);
  }

  void restoreCloudPointer(String syncId) {
    pointers
        .restore(syncId)
        .ifPresent(
            outcome ->
                log(
                    syncId,
                    SyncStep.MOVE_CLOUD_POINTER.name(),
                    outcome == PointerState.RESTORED ? StepStatus.COMPENSATED : StepStatus.KEPT,
                    null));
  }

  /**
   * Pushes the receipt to one other device. A transient failure is logged (in a transaction of its
   * own, as the job's is rolled back) and rethrown for the engine to retry, until the attempt that
   * {@link ReceiptPolicies#pushAttempts()} allows last: that one, like a refusal, fails the step.
   *
   * @throws TransientPushException the job fails and the engine tries again
   * @throws SyncStepFailedException the device refused, or no attempt is left
   */
  void pushReceipt(String syncId, String deviceId) {
    ReadSync sync = load(syncId);
    String step = SyncStep.PUSH_RECEIPT.forDevice(deviceId);
    Device device = device(sync.userId(), deviceId);
    try {
      push.pushReceipt(device.pushUrl(), receipt(sync));
    } catch (PushRejectedException e) {
      log(syncId, step, StepStatus.FAILED, e.getMessage());
      throw new SyncStepFailedException(e.getMessage());
    } catch (TransientPushException e) {
      int attempt = syncs.countSteps(syncId, step, StepStatus.RETRYING) + 1;
      if (attempt >= policies.pushAttempts()) {
        String why = "no attempt left after " + attempt + ": " + e.getMessage();
        log(syncId, step, StepStatus.FAILED, why);
        throw new SyncStepFailedException(why);
      }
      ownTransaction.executeWithoutResult(tx -> log(syncId, step, StepStatus.RETRYING, e.getMessage()));
      throw e;
    }
    log(syncId, step, StepStatus.DONE, null);
  }

  /**
   * Retracts a pushed receipt. A device that refuses is logged and left: compensation must end.
   *
   * @throws TransientPushException the job fails and the engine tries again (then an incident)
   */
  void retractReceipt(String syncId, String deviceId) {
    ReadSync sync = load(syncId);
    String step = SyncStep.PUSH_RECEIPT.forDevice(deviceId);
    try {
      push.retractReceipt(device(sync.userId(), deviceId).pushUrl(), receipt(sync));
      log(syncId, step, StepStatus.COMPENSATED, null);
    } catch (PushRejectedException e) {
      log(syncId, step, StepStatus.REJECTED, e.getMessage());
    }
  }

  /**
   * Tells the origin device its sync failed. A refusal is logged and left.
   *
   * @throws TransientPushException the job fails and the engine tries again (then an incident)
   */
  void notifyOrigin(String syncId) {
    ReadSync sync = load(syncId);
    String step = SyncStep.NOTIFY_ORIGIN.name();
    try {
      push.notifySyncFailed(
          device(sync.userId(), sync.deviceId()).pushUrl(), new SyncFailed(syncId, sync.roomId()));
      log(syncId, step, StepStatus.DONE, null);
    } catch (PushRejectedException e) {
      log(syncId, step, StepStatus.REJECTED, e.getMessage());
    }
  }

  void finish(String syncId, SyncStatus status) {
    syncs.finish(syncId, status, Instant.now());
  }

  private static Receipt receipt(ReadSync sync) {
    return new Receipt(sync.roomId(), sync.upToSequence(), sync.syncId());
  }

  private ReadSync load(String syncId) {
    return syncs.find(syncId).orElseThrow(() -> new IllegalStateException("no read sync " + syncId));
  }

  private Device device(String userId, String deviceId) {
    return devices
        .find(userId, deviceId)
        .orElseThrow(() -> new IllegalStateException("no device " + deviceId + " of user " + userId));
  }

  private void log(String syncId, String step, StepStatus status, String detail) {
    syncs.logStep(syncId, step, status, detail, Instant.now());
  }
}
