package dev.relay.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relay.bench.Accounting.FirstAttempt;
import dev.relay.bench.Accounting.HandOver;
import dev.relay.bench.Accounting.Row;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/**
 * The benchmark's verdicts on made-up records: a check that cannot see a lost or reordered
 * message would pass every run, so it is tested on ones that have them.
 */
class AccountingTest {

  /** room-0 gets messages 1..3 in a row (room-0.1, room-0.2, room-0.3), all answered 202. */
  private final long[] acceptedAt = {1_000, 1_010, 1_020};

  /** Their 202s came this long after their scheduled sends: scheduled at 900, 810 and 720. */
  private final long[] latency = {100, 200, 300};

  private final Accounting.Intake load = new Accounting.Intake() {
    @Override
    public int count() {
      return acceptedAt.length;
    }

    @Override
    public Workload.Message message(int i) {
      return Workload.load(1, acceptedAt.length).apply(i);
    }

    @Override
    public long acceptedAtMicros(int i) {
      return acceptedAt[i];
    }

    @Override
    public long latencyMicros(int i) {
      return latency[i];
    }
  };

  private final Map<String, Row> rows = new HashMap<>();

  @Test
  void settledFigures_leaveOutRequestsScheduledAndAcksSentBeforeTheirStart() {
    Histogram intake = Accounting.intakeFrom(load, 810);

    assertThat(intake.getTotalCount()).isEqualTo(2); // scheduled at 900 and 810, not 720
    assertThat(intake.getMaxValue()).isEqualTo(200);

    Histogram handOvers = Accounting.ackToNextDispatchFrom(List.of(
        new HandOver("room-0.1", "room-0.2", 100, 110, 90, 150),
        new HandOver("room-0.2", "room-0.3", 200, 210, 190, 400)), 200);

    assertThat(handOvers.getTotalCount()).isEqualTo(1); // the ACK sent at 200, not the one at 100
    assertThat(handOvers.getMaxValue()).isEqualTo(190); // its 2xx at 210, the next dispatch at 400
  }

  @Test
  void firstAttemptsInSequenceOrder_noViolation() {
    stored(1, 2, 3);

    Accounting.Outcome outcome = outcome(arrived(1, 2, 3));

    assertThat(outcome.orderViolations()).isZero();
    assertThat(outcome.delivered()).isEqualTo(3);
    assertThat(outcome.lost()).isZero();
  }

  @Test
  void aLaterMessageFirst_orAnEarlierOneNever_areViolations() {
    stored(1, 2, 3);

    assertThat(outcome(arrived(1, 3, 2)).orderViolations()).isEqualTo(1);
    assertThat(outcome(arrived(1, 3)).orderViolations()).isEqualTo(1);
    assertThat(outcome(arrived(1, 3)).orderExamples())
        .containsExactly("room-0: sequence 2 never arrived, 3 did");
  }

  @Test
  void acceptedButNotStored_orStoppedWithoutDelivery_isLost_aRunningDeliveryIsPending() {
    rows.put("room-0.1", new Row("room-0.1", "room-0", 1, "DELIVERED", true));
    rows.put("room-0.2", new Row("room-0.2", "room-0", 2, "DISPATCHED", true));

    Accounting.Outcome outcome = outcome(arrived(1, 2));

    assertThat(outcome.delivered()).isEqualTo(1);
    assertThat(outcome.pending()).isEqualTo(1);
    assertThat(outcome.lost()).isEqualTo(1);
    assertThat(outcome.lostExamples()).containsExactly("room-0.3 not stored");

    rows.put("room-0.3", new Row("room-0.3", "room-0", 3, "QUEUED", false));
    assertThat(outcome(arrived(1, 2)).lostExamples())
        .containsExactly("room-0.3 QUEUED without a running delivery");
  }

  @Test
  void handOver_countsOnlyNextMessagesThatWereWaitingForTheAck() {
    stored(1, 2, 3);
    Map<String, List<FirstAttempt>> arrived = Map.of("room-0", List.of(
        // 1: ACK sent at 2,000, answered at 2,500; 2 (accepted at 1,010) dispatched at 2,700
        new FirstAttempt("room-0.1", 1_500, 2_000L, 2_500L, 1),
        // 2: ACK answered at 3,500 but 3 reached the provider at 3,100, before that ACK was
        // even sent (3,200): the ACK gate let it go, not the ACK
        new FirstAttempt("room-0.2", 2_700, 3_200L, 3_500L, 1),
        new FirstAttempt("room-0.3", 3_100, null, null, null)));

    Accounting.Outcome outcome = outcome(arrived);

    assertThat(outcome.handOvers()).singleElement().satisfies(h -> {
      assertThat(h.previous()).isEqualTo("room-0.1");
      assertThat(h.next()).isEqualTo("room-0.2");
      assertThat(h.latencyMicros()).isEqualTo(200);
    });
  }

  @Test
  void handOver_thatOvertookThe2xx_countsAsZero_andOneAcceptedAfterTheAck_notAtAll() {
    stored(1, 2, 3);
    acceptedAt[2] = 4_000; // 3 was accepted after 2's ACK: it waited for its intake, not the ACK
    Map<String, List<FirstAttempt>> arrived = Map.of("room-0", List.of(
        new FirstAttempt("room-0.1", 1_500, 2_000L, 2_500L, 1),
        new FirstAttempt("room-0.2", 2_400, 3_000L, 3_100L, 1), // between 1's ACK sent and its 2xx
        new FirstAttempt("room-0.3", 4_100, null, null, null)));

    Accounting.Outcome outcome = outcome(arrived);

    assertThat(outcome.handOvers()).singleElement().satisfies(h -> {
      assertThat(h.next()).isEqualTo("room-0.2");
      assertThat(h.latencyMicros()).isZero();
    });
  }

  @Test
  void anAckSentAfterTheNextMessageWentIsAnOvertake_aDroppedOneAStall() {
    stored(1, 2, 3);
    Map<String, List<FirstAttempt>> arrived = Map.of("room-0", List.of(
        // 1's ACK was dropped; its resend (attempt 2) was ACKed later: 2 went on the gate
        new FirstAttempt("room-0.1", 1_500, 90_000L, 90_100L, 2),
        // 2's ACK came (sent at 3,000) after 3 had reached the provider (2,900): an overtake
        new FirstAttempt("room-0.2", 2_400, 3_000L, 3_100L, 1),
        new FirstAttempt("room-0.3", 2_900, 3_400L, 3_500L, 1)));

    Accounting.Outcome outcome = outcome(arrived);

    assertThat(outcome.overtakes()).isEqualTo(1);
    assertThat(outcome.droppedAckStalls().getTotalCount()).isEqualTo(1);
    assertThat(outcome.droppedAckStalls().getMaxValue()).isEqualTo(900);
  }

  private void stored(long... sequences) {
    for (long s : sequences) {
      rows.put("room-0." + s, new Row("room-0." + s, "room-0", s, "DELIVERED", true));
    }
  }

  /** The first attempts of room-0 in this order, with ACKs far apart so none is a hand-over. */
  private static Map<String, List<FirstAttempt>> arrived(long... sequences) {
    return Map.of("room-0", Arrays.stream(sequences)
        .mapToObj(s -> new FirstAttempt("room-0." + s, s * 1_000_000, null, null, null))
        .toList());
  }

  private Accounting.Outcome outcome(Map<String, List<FirstAttempt>> arrived) {
    return Accounting.of(rows, load, arrived, 0);
  }
}
