package dev.relay.receipt;

/** The saga's steps as the sync view names them; a push is named per device. */
enum SyncStep {
  MARK_ORIGIN_READ,
  MOVE_CLOUD_POINTER,
  PUSH_RECEIPT,
  NOTIFY_ORIGIN;

  /** {@code PUSH_RECEIPT:tablet}. */
  String forDevice(String deviceId) {
    return name() + ":" + deviceId;
  }
}
