package dev.relay.receipt;

import java.util.List;
import org.springframework.stereotype.Component;

/**
 * The devices a sync pushes to, read by the push's multi-instance collection (bean name {@code
 * receiptTargets}) once, when the pushes start. Read-only.
 */
@Component("receiptTargets")
public class ReceiptTargets {

  private final ReadSyncRepository syncs;
  private final DeviceRepository devices;

  ReceiptTargets(ReadSyncRepository syncs, DeviceRepository devices) {
    this.syncs = syncs;
    this.devices = devices;
  }

  /** Every registered device of the sync's user except the origin device. */
  public List<String> otherDevices(String syncId) {
    ReadSync sync =
        syncs.find(syncId).orElseThrow(() -> new IllegalStateException("no read sync " + syncId));
    return devices.otherDevices(sync.userId(), sync.deviceId());
  }
}
