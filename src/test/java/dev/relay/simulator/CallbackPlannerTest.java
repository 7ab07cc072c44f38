package dev.relay.simulator;

import static dev.relay.simulator.CallbackStatus.DELIVERED;
import static dev.relay.simulator.CallbackStatus.READ;
import static dev.relay.simulator.CallbackStatus.SENT;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CallbackPlannerTest {

  private static final Duration DELAY = Duration.ofMillis(200);
  private static final Duration JITTER = Duration.ofMillis(100);
  private static final Duration READ_DELAY = Duration.ofSeconds(1);

  private final CallbackPlanner planner = new CallbackPlanner();

  /** All rates 0 except the given ones. */
  private static SimulatorBehaviour.Settings settings(Map<String, Double> rates) {
    Map<String, Object> changes = new HashMap<>(rates);
    return new SimulatorBehaviour.Settings("http://localhost/webhooks/{channel}", "secret", null,
            DELAY, JITTER, READ_DELAY, 0, 0, 0, 0, 0, 0, 0, 1, null)
        .with(changes);
  }

  private List<PlannedCallback> plan(Map<String, Double> rates) {
    return planner.plan(settings(rates), new Random(42));
  }

  private static List<CallbackStatus> statuses(List<PlannedCallback> plan) {
    return plan.stream().map(PlannedCallback::status).toList();
  }

  @Test
  void allRatesZero_sentThenDelivered_bothAsynchronous() {
    List<PlannedCallback> plan = plan(Map.of());

    assertThat(statuses(plan)).containsExactly(SENT, DELIVERED);
    assertThat(plan).noneMatch(PlannedCallback::synchronous);
    assertThat(plan).allSatisfy(c -> assertThat(c.delay()).isBetween(DELAY, DELAY.plus(JITTER)));
  }

  @Test
  void dropRateOne_noCallbackAtAll_evenWithEveryOtherFault() {
    assertThat(plan(Map.of("dropRate", 1.0))).isEmpty();
    assertThat(plan(Map.of("dropRate", 1.0, "duplicateRate", 1.0, "reorderRate", 1.0,
        "earlyRate", 1.0, "readRate", 1.0))).isEmpty();
  }

  @Test
  void duplicateRateOne_deliveredTwice() {
    assertThat(statuses(plan(Map.of("duplicateRate", 1.0))))
        .containsExactly(SENT, DELIVERED, DELIVERED);
  }

  @Test
  void reorderRateOne_deliveredBeforeSent() {
    List<PlannedCallback> plan = plan(Map.of("reorderRate", 1.0));

    assertThat(statuses(plan)).containsExactly(DELIVERED, SENT);
    assertThat(plan).noneMatch(PlannedCallback::synchronous);
  }

  @Test
  void earlyRateOne_deliveredFirstAndSynchronous_sentFollowsAsynchronously() {
    List<PlannedCallback> plan = plan(Map.of("earlyRate", 1.0));

    assertThat(plan).hasSize(2);
    assertThat(plan.get(0)).isEqualTo(new PlannedCallback(DELIVERED, Duration.ZERO, true));
    assertThat(plan.get(1).status()).isEqualTo(SENT);
    assertThat(plan.get(1).synchronous()).isFalse();
  }

  @Test
  void readRateOne_readLast_afterReadDelay() {
    List<PlannedCallback> plan = plan(Map.of("readRate", 1.0));

    assertThat(statuses(plan)).containsExactly(SENT, DELIVERED, READ);
    assertThat(plan.get(2)).isEqualTo(new PlannedCallback(READ, READ_DELAY, false));
  }

  @Test
  void everyFaultButDrop_earlyDeliveredThenDuplicateThenSentThenRead() {
    List<PlannedCallback> plan = plan(Map.of("duplicateRate", 1.0, "reorderRate", 1.0,
        "earlyRate", 1.0, "readRate", 1.0));

    assertThat(statuses(plan)).containsExactly(DELIVERED, DELIVERED, SENT, READ);
    assertThat(plan).extracting(PlannedCallback::synchronous)
        .containsExactly(true, false, false, false);
  }

  @ParameterizedTest
  @ValueSource(strings = {"duplicateRate", "reorderRate", "earlyRate", "readRate", "dropRate",
      "serverErrorRate", "tooManyRequestsRate"})
  void eachRateAtZero_changesNothing(String rate) {
    assertThat(plan(Map.of(rate, 0.0))).isEqualTo(plan(Map.of()));
  }

  @Test
  void rateOneHalf_happensAboutHalfTheTime() {
    Random random = new Random(7);
    long delivered =
        java.util.stream.IntStream.range(0, 10_000)
            .filter(i -> !planner.plan(settings(Map.of("dropRate", 0.5)), random).isEmpty())
            .count();
    assertThat(delivered).isBetween(4_700L, 5_300L);
  }

  @Test
  void noJitter_exactDelay() {
    SimulatorBehaviour.Settings s = settings(Map.of()).with(Map.of("callbackJitter", 0));

    assertThat(planner.plan(s, new Random(1))).extracting(PlannedCallback::delay)
        .containsOnly(DELAY);
  }

  @Test
  void happens_neverAtZero_alwaysAtOne() {
    Random random = new Random(3);
    for (int i = 0; i < 1_000; i++) {
      assertThat(CallbackPlanner.happens(0, random)).isFalse();
      assertThat(CallbackPlanner.happens(1, random)).isTrue();
    }
  }
}
