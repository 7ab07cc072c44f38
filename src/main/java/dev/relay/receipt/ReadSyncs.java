package dev.relay.receipt;

import dev.relay.receipt.ReadSyncRepository.StepEntry;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.camunda.bpm.engine.RuntimeService;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** Devices, read reports and what became of them: the API side of the saga (API.md §3). */
@Service
class ReadSyncs {

  private final DeviceRepository devices;
  private final ReadSyncRepository syncs;
  private final ReadMarkRepository marks;
  private final RuntimeService runtime;

  ReadSyncs(
      DeviceRepository devices,
      ReadSyncRepository syncs,
      ReadMarkRepository marks,
      RuntimeService runtime) {
    this.devices = devices;
    this.syncs = syncs;
    this.marks = marks;
    this.runtime = runtime;
  }

  void registerDevice(String userId, String deviceId, String pushUrl) {
    devices.register(userId, deviceId, pushUrl, Instant.now());
  }

  /**
   * Records the read report and starts its saga, in one transaction: the saga runs from its first
   * job on, so this returns at once.
   *
   * @return the new sync, or empty when the origin device is not registered
   */
  @Transactional
  Optional<ReadSync> start(String roomId, String userId, String deviceId, long upToSequence) {
    if (devices.find(userId, deviceId).isEmpty()) {
      return Optional.empty();
    }
    ReadSync sync =
        new ReadSync(
            UUID.randomUUID().toString(),
            userId,
            deviceId,
            roomId,
            upToSequence,
            SyncStatus.RUNNING,
            null,
            null,
            null);
    syncs.insert(sync, Instant.now());
    runtime
        .createProcessInstanceByKey(ReadReceiptSyncProcess.KEY)
        .businessKey(sync.syncId())
        .setVariables(ReadReceiptSyncProcess.startVariables())
        .execute();
    return Optional.of(sync);
  }

  /** The sync with each step's latest outcome, steps in the order they first ran. */
  Optional<ReadSyncView> view(String syncId) {
    return syncs
        .find(syncId)
        .map(
            sync -> {
              Map<String, StepEntry> latest = new LinkedHashMap<>();
              syncs.steps(syncId).forEach(entry -> latest.put(entry.step(), entry));
              return new ReadSyncView(
                  syncId,
                  sync.status(),
                  latest.values().stream()
                      .map(e -> new ReadSyncView.Step(e.step(), e.status(), e.at()))
                      .toList());
            });
  }

  long pointer(String userId, String roomId) {
    return marks.pointer(userId, roomId);
  }
}
