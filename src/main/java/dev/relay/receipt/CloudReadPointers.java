package dev.relay.receipt;

import dev.relay.receipt.ReadMarkRepository.Pointer;
import dev.relay.receipt.ReadSync.PointerState;
import java.time.Instant;
import java.util.Optional;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * The user's cloud read pointer per room: it never moves backwards, and a failed sync takes back
 * only its own move. Everything happens under the pointer row's lock, so concurrent syncs of one
 * user and room (on any node) see each other's moves in order.
 *
 * <p>Each sync that moved the pointer remembers the value and the mover it replaced, which chains
 * the movers from newest to oldest. Compensating the newest puts its predecessor's value back;
 * compensating one that a newer sync has since moved past leaves the pointer alone and takes the
 * compensated sync out of the chain, so the newer one, if it too is compensated, restores what was
 * there before both.
 */
@Service
@Transactional
class CloudReadPointers {

  private final ReadMarkRepository marks;
  private final ReadSyncRepository syncs;

  CloudReadPointers(ReadMarkRepository marks, ReadSyncRepository syncs) {
    this.marks = marks;
    this.syncs = syncs;
  }

  /**
   * Moves the pointer up to the sync's {@code upToSequence} if that is ahead of it. Idempotent: a
   * sync that already ran this step keeps its first outcome.
   *
   * @return MOVED or UNCHANGED
   */
  PointerState move(String syncId) {
    ReadSync sync = load(syncId);
    Pointer pointer = marks.lockPointer(sync.userId(), sync.roomId());
    sync = load(syncId);
    if (sync.pointerState() != null) {
      return sync.pointerState();
    }
    if (sync.upToSequence() <= pointer.upToSequence()) {
      syncs.recordPointer(syncId, PointerState.UNCHANGED, null, null);
      return PointerState.UNCHANGED;
    }
    marks.setPointer(sync.userId(), sync.roomId(), sync.upToSequence(), syncId, Instant.now());
    syncs.recordPointer(syncId, PointerState.MOVED, pointer.upToSequence(), pointer.movedBySync());
    return PointerState.MOVED;
  }

  /**
   * Takes back the sync's move, if it made one and has not taken it back yet.
   *
   * @return RESTORED (the pointer went back) or KEPT (a newer sync holds it); empty when there was
   *     nothing to take back
   */
  Optional<PointerState> restore(String syncId) {
    ReadSync sync = load(syncId);
    if (sync.pointerState() != PointerState.MOVED) {
      return Optional.empty();
    }
    Pointer pointer = marks.lockPointer(sync.userId(), sync.roomId());
    // read again under the lock: a compensated predecessor may have re-linked this sync
    sync = load(syncId);
    if (sync.pointerState() != PointerState.MOVED) {
      return Optional.empty();
    }
    PointerState outcome;
    if (syncId.equals(pointer.movedBySync())) {
      marks.setPointer(
          sync.userId(), sync.roomId(), sync.pointerBefore(), sync.pointerBeforeSync(), Instant.now());
      outcome = PointerState.RESTORED;
    } else {
      syncs.bypass(syncId, sync.pointerBefore(), sync.pointerBeforeSync());
      outcome = PointerState.KEPT;
    }
    syncs.updatePointerState(syncId, outcome);
    return Optional.of(outcome);
  }

  private ReadSync load(String syncId) {
    return syncs.find(syncId).orElseThrow(() -> new IllegalStateException("no read sync " + syncId));
  }
}
