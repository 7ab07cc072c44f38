package dev.relay.receipt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.relay.receipt.DevicePush.Receipt;
import dev.relay.receipt.DevicePush.SyncFailed;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The saga's steps on a real schema, without the engine: what they write, call and log. */
class ReadSyncStepsTest {

  private static final String SYNC = "sync-1";
  private static final String ROOM = "room-A";
  private static final String PHONE_URL = "http://devices.test/phone";
  private static final String LAPTOP_URL = "http://devices.test/laptop";

  private final ReceiptDatabase db = new ReceiptDatabase();
  private final ScriptedDevicePush push = new ScriptedDevicePush();
  /** Two retry delays: a push is tried three times. */
  private final ReceiptPolicies policies =
      new ReceiptPolicies(new RelayReceiptsProperties(Duration.ofSeconds(5), List.of(Duration.ofSeconds(1), Duration.ofSeconds(2)), List.of("http", "https"), List.of(), false));
  private final ReadSyncSteps steps =
      new ReadSyncSteps(
          db.syncs, db.marks, new CloudReadPointers(db.marks, db.syncs), db.devices, push, policies, db.transactions);
  private final ReadSyncs syncs = new ReadSyncs(db.devices, db.syncs, db.marks, null);

  @BeforeEach
  void aUserWithTwoDevices() {
    db.registerDevice("u1", "phone", PHONE_URL);
    db.registerDevice("u1", "laptop", LAPTOP_URL);
    db.newSync(SYNC, "u1", "phone", ROOM, 42);
  }

  @Test
  void originMark_isSetOnceAndUndoneOnce() {
    steps.markOriginRead(SYNC);
    steps.markOriginRead(SYNC);
    assertThat(db.deviceMark("u1", "phone", ROOM)).isEqualTo(42);

    steps.undoOriginMark(SYNC);
    steps.undoOriginMark(SYNC);
    assertThat(db.deviceMark("u1", "phone", ROOM)).isZero();
    assertThat(log("MARK_ORIGIN_READ")).containsExactly(StepStatus.DONE, StepStatus.DONE, StepStatus.COMPENSATED);
  }

  @Test
  void pushReceipt_sendsTheReceiptToTheDevice() {
    steps.pushReceipt(SYNC, "laptop");

    assertThat(push.calls).containsExactly(new Call("receipt", LAPTOP_URL, new Receipt(ROOM, 42, SYNC)));
    assertThat(log("PUSH_RECEIPT:laptop")).containsExactly(StepStatus.DONE);
  }

  @Test
  void transientFailures_areRetried_untilTheLastAttemptFailsTheStep() {
    push.answer(
        new TransientPushException("device answered 503", null),
        new TransientPushException("timeout", null),
        new TransientPushException("device answered 502", null));

    assertThatThrownBy(() -> steps.pushReceipt(SYNC, "laptop")).isInstanceOf(TransientPushException.class);
    assertThatThrownBy(() -> steps.pushReceipt(SYNC, "laptop")).isInstanceOf(TransientPushException.class);
    assertThatThrownBy(() -> steps.pushReceipt(SYNC, "laptop"))
        .isInstanceOf(SyncStepFailedException.class)
        .hasMessageContaining("no attempt left after 3");

    assertThat(push.calls).hasSize(policies.pushAttempts());
    assertThat(log("PUSH_RECEIPT:laptop"))
        .containsExactly(StepStatus.RETRYING, StepStatus.RETRYING, StepStatus.FAILED);
  }

  @Test
  void aRefusal_failsTheStepAtOnce() {
    push.answer(new PushRejectedException("device answered 410: gone"));

    assertThatThrownBy(() -> steps.pushReceipt(SYNC, "laptop"))
        .isInstanceOf(SyncStepFailedException.class)
        .hasMessageContaining("410");
    assertThat(push.calls).hasSize(1);
    assertThat(log("PUSH_RECEIPT:laptop")).containsExactly(StepStatus.FAILED);
  }

  @Test
  void retraction_isLogged_andARefusedOneEndsTheCompensationAllTheSame() {
    steps.pushReceipt(SYNC, "laptop");
    steps.retractReceipt(SYNC, "laptop");
    push.answer(new PushRejectedException("device answered 404"));
    steps.retractReceipt(SYNC, "laptop");

    assertThat(push.calls)
        .containsExactly(
            new Call("receipt", LAPTOP_URL, new Receipt(ROOM, 42, SYNC)),
            new Call("retract", LAPTOP_URL, new Receipt(ROOM, 42, SYNC)),
            new Call("retract", LAPTOP_URL, new Receipt(ROOM, 42, SYNC)));
    assertThat(log("PUSH_RECEIPT:laptop"))
        .containsExactly(StepStatus.DONE, StepStatus.COMPENSATED, StepStatus.REJECTED);
  }

  @Test
  void theOriginDevice_isToldTheSyncFailed() {
    steps.notifyOrigin(SYNC);

    assertThat(push.calls).containsExactly(new Call("sync-failed", PHONE_URL, new SyncFailed(SYNC, ROOM)));
    assertThat(log("NOTIFY_ORIGIN")).containsExactly(StepStatus.DONE);
  }

  @Test
  void theView_showsEachStepsLatestOutcome_inTheOrderTheStepsFirstRan() {
    steps.markOriginRead(SYNC);
    db.tx.executeWithoutResult(tx -> steps.moveCloudPointer(SYNC));
    steps.pushReceipt(SYNC, "laptop");
    db.tx.executeWithoutResult(tx -> steps.restoreCloudPointer(SYNC));
    steps.undoOriginMark(SYNC);
    steps.finish(SYNC, SyncStatus.COMPENSATED);
    steps.finish(SYNC, SyncStatus.COMPLETED);

    ReadSyncView view = syncs.view(SYNC).orElseThrow();
    assertThat(view.status()).as("the first final status stays").isEqualTo(SyncStatus.COMPENSATED);
    assertThat(view.steps())
        .extracting(ReadSyncView.Step::step, ReadSyncView.Step::status)
        .containsExactly(
            tuple("MARK_ORIGIN_READ", StepStatus.COMPENSATED),
            tuple("MOVE_CLOUD_POINTER", StepStatus.COMPENSATED),
            tuple("PUSH_RECEIPT:laptop", StepStatus.DONE));
    assertThat(db.marks.pointer("u1", ROOM)).isZero();
  }

  private List<StepStatus> log(String step) {
    return db.syncs.steps(SYNC).stream().filter(e -> e.step().equals(step)).map(e -> e.status()).toList();
  }

  record Call(String kind, String url, Object body) {}

  /** Records every call; answers with the scripted failures in turn, then succeeds. */
  static class ScriptedDevicePush implements DevicePush {

    final List<Call> calls = new ArrayList<>();
    private final Deque<RuntimeException> failures = new ArrayDeque<>();

    void answer(RuntimeException... next) {
      failures.addAll(List.of(next));
    }

    @Override
    public void pushReceipt(String pushUrl, Receipt receipt) {
      call("receipt", pushUrl, receipt);
    }

    @Override
    public void retractReceipt(String pushUrl, Receipt receipt) {
      call("retract", pushUrl, receipt);
    }

    @Override
    public void notifySyncFailed(String originPushUrl, SyncFailed notice) {
      call("sync-failed", originPushUrl, notice);
    }

    private void call(String kind, String url, Object body) {
      calls.add(new Call(kind, url, body));
      RuntimeException failure = failures.poll();
      if (failure != null) {
        throw failure;
      }
    }
  }
}
