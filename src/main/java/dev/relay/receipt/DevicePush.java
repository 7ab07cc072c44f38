package dev.relay.receipt;

/** Calls a user's device at its registered push URL (API.md §3). */
interface DevicePush {

  /**
   * {@code POST {pushUrl}/receipts}: the room is read up to {@code receipt.upToSequence()}.
   * Idempotency key: {@code receipt.syncId()}, so a repeated push is one receipt to the device.
   * Compensated by {@link #retractReceipt}.
   *
   * @throws TransientPushException 429, 5xx, timeout, connection refused: try again later
   * @throws PushRejectedException any other answer that is not 2xx: the device will never take it
   */
  void pushReceipt(String pushUrl, Receipt receipt);

  /**
   * {@code POST {pushUrl}/receipts/retract} with the receipt that was pushed; idempotent by
   * {@code receipt.syncId()}. Compensates {@link #pushReceipt}.
   *
   * @throws TransientPushException as for {@link #pushReceipt}
   * @throws PushRejectedException as for {@link #pushReceipt}
   */
  void retractReceipt(String pushUrl, Receipt receipt);

  /**
   * {@code POST {originPushUrl}/sync-failed}: the origin device's sync was undone; idempotent by
   * {@code notice.syncId()}. Nothing compensates it: it is the saga's last word.
   *
   * @throws TransientPushException as for {@link #pushReceipt}
   * @throws PushRejectedException as for {@link #pushReceipt}
   */
  void notifySyncFailed(String originPushUrl, SyncFailed notice);

  record Receipt(String roomId, long upToSequence, String syncId) {}

  record SyncFailed(String syncId, String roomId) {}
}
