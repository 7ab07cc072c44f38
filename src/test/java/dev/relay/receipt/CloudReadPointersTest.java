package dev.relay.receipt;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relay.receipt.ReadSync.PointerState;
import java.util.Optional;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The cloud pointer's rules without the engine: never backwards, and compensation takes back only
 * the compensated sync's own move (the chain of movers). Each call runs in its own transaction,
 * as each saga step does.
 */
class CloudReadPointersTest {

  private static final String USER = "u1";
  private static final String ROOM = "room-A";

  private final ReceiptDatabase db = new ReceiptDatabase();
  private final CloudReadPointers pointers = new CloudReadPointers(db.marks, db.syncs);

  @Test
  void movesUpButNeverBack_andAStaleOrRepeatedSyncChangesNothing() {
    sync("s1", 10);
    sync("s2", 7);

    assertThat(move("s1")).isEqualTo(PointerState.MOVED);
    assertThat(move("s2")).isEqualTo(PointerState.UNCHANGED);
    assertThat(move("s1")).as("a step run again keeps its first outcome").isEqualTo(PointerState.MOVED);

    assertThat(pointer()).isEqualTo(10);
    assertThat(restore("s2")).as("a sync that moved nothing has nothing to take back").isEmpty();
    assertThat(pointer()).isEqualTo(10);
  }

  @Test
  void restoringTheNewestMove_putsBackExactlyWhatItReplaced() {
    sync("s1", 10);
    sync("s2", 20);
    move("s1");
    move("s2");

    assertThat(restore("s2")).contains(PointerState.RESTORED);
    assertThat(pointer()).isEqualTo(10);
    assertThat(restore("s2")).as("restoring twice changes nothing").isEmpty();
    assertThat(pointer()).isEqualTo(10);

    assertThat(restore("s1")).contains(PointerState.RESTORED);
    assertThat(pointer()).isZero();
  }

  @Test
  void restoringAMoveThatANewerSyncHasPassed_leavesThePointer_andTheNewerOneThenRestoresToBeforeBoth() {
    sync("s0", 5);
    sync("s1", 10);
    sync("s2", 20);
    move("s0");
    move("s1");
    move("s2");

    assertThat(restore("s1")).contains(PointerState.KEPT);
    assertThat(pointer()).isEqualTo(20);

    // s1 is out of the chain: s2's compensation goes back to what was there before s1, not to s1's 10
    assertThat(restore("s2")).contains(PointerState.RESTORED);
    assertThat(pointer()).isEqualTo(5);

    // and the pointer's mover is s0 again, so s0's own compensation still works
    assertThat(restore("s0")).contains(PointerState.RESTORED);
    assertThat(pointer()).isZero();
  }

  @Test
  void aSyncAfterARestore_movesFromTheRestoredValue() {
    sync("s1", 10);
    sync("s2", 20);
    sync("s3", 15);
    move("s1");
    move("s2");
    restore("s2");

    assertThat(move("s3")).isEqualTo(PointerState.MOVED);
    assertThat(pointer()).isEqualTo(15);
    assertThat(restore("s3")).contains(PointerState.RESTORED);
    assertThat(pointer()).isEqualTo(10);
  }

  private void sync(String syncId, long upToSequence) {
    db.newSync(syncId, USER, "phone", ROOM, upToSequence);
  }

  private PointerState move(String syncId) {
    return inTransaction(() -> pointers.move(syncId));
  }

  private Optional<PointerState> restore(String syncId) {
    return inTransaction(() -> pointers.restore(syncId));
  }

  private long pointer() {
    return db.marks.pointer(USER, ROOM);
  }

  private <T> T inTransaction(Supplier<T> work) {
    return db.tx.execute(status -> work.get());
  }
}
