package dev.relay.receipt;

/**
 * One read report and its saga. {@code pointerState} is null until the pointer step ran; {@code
 * pointerBefore}/{@code pointerBeforeSync} are the pointer's value and mover that this sync
 * replaced (set only when it MOVED the pointer).
 */
record ReadSync(
    String syncId,
    String userId,
    String deviceId,
    String roomId,
    long upToSequence,
    SyncStatus status,
    PointerState pointerState,
    Long pointerBefore,
    String pointerBeforeSync) {

  /** What a sync did to the cloud read pointer. */
  enum PointerState {
    /** Moved it up; compensation puts back pointerBefore. */
    MOVED,
    /** It was already at or past upToSequence: a stale or repeated request. */
    UNCHANGED,
    /** Compensated: the pointer went back to pointerBefore. */
    RESTORED,
    /** Compensated while a newer sync held the pointer: it stays where that sync put it. */
    KEPT
  }
}
