package dev.relay.channel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relay.channel.ChannelState.Admission;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The rate limit's pacing and the circuit's state machine, without a database or an engine. */
class ChannelStateTest {

  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final RelayCircuitProperties CIRCUIT =
      new RelayCircuitProperties(3, Duration.ofSeconds(10), 2, Duration.ofSeconds(4));
  private static final RandomGenerator RANDOM = new SplittableRandom(7);

  @Nested
  class RateLimit {

    @Test
    void callsTriedEveryMillisecond_neverMoreThanTheLimitInAnyOneSecondWindow() {
      ChannelState state = ChannelState.initial(20.0, T0);
      List<Instant> admitted = new ArrayList<>();
      for (int ms = 0; ms < 5_000; ms++) {
        Instant now = T0.plusMillis(ms);
        Admission admission = state.admit(now, CIRCUIT, 0, RANDOM);
        if (admission.admitted()) {
          admitted.add(now);
        }
        state = admission.next();
      }
      assertThat(maxInAnySecond(admitted)).isEqualTo(20);
      assertThat(admitted).hasSize(100); // the ceiling is reached, not undercut
    }

    @Test
    void aHeldCall_comesBackAtTheNextSlotAtTheEarliest_spreadOverTheSlotsTheBacklogNeeds() {
      ChannelState state = ChannelState.initial(10.0, T0).admit(T0, CIRCUIT, 0, RANDOM).next();

      for (int i = 0; i < 200; i++) {
        Admission held = state.admit(T0.plusMillis(1), CIRCUIT, 50, RANDOM);
        assertThat(held.admitted()).isFalse();
        assertThat(held.next()).as("a held call changes nothing").isEqualTo(state);
        // next slot at +100 ms; 50 held calls need 5 s of slots
        assertThat(held.holdUntil()).isBetween(T0.plusMillis(100), T0.plusMillis(5_100));
      }
    }

    @Test
    void aChangedLimit_pacesTheNextCallsAtTheNewRate() {
      ChannelState state = ChannelState.initial(1.0, T0).admit(T0, CIRCUIT, 0, RANDOM).next();
      state = state.withRateLimit(100.0);
      // the slot already given out at 1/s still stands: a PATCH does not let a burst through
      assertThat(state.admit(T0.plusMillis(999), CIRCUIT, 0, RANDOM).admitted()).isFalse();
      state = state.admit(T0.plusMillis(1_000), CIRCUIT, 0, RANDOM).next();
      assertThat(state.admit(T0.plusMillis(1_010), CIRCUIT, 0, RANDOM).admitted()).isTrue();
    }

    @Test
    void noLimit_everyCallGoes_andNothingChanges() {
      ChannelState state = ChannelState.initial(null, T0);
      Admission admission = state.admit(T0, CIRCUIT, 0, RANDOM);
      assertThat(admission.admitted()).isTrue();
      assertThat(admission.next()).isEqualTo(state);
      assertThat(state.isUnrestricted()).isTrue();
    }

    private static int maxInAnySecond(List<Instant> calls) {
      int max = 0;
      for (int i = 0; i < calls.size(); i++) {
        int j = i;
        while (j < calls.size() && calls.get(j).isBefore(calls.get(i).plusSeconds(1))) {
          j++;
        }
        max = Math.max(max, j - i);
      }
      return max;
    }
  }

  @Nested
  class CircuitStates {

    @Test
    void closed_opensAfterTheThresholdOfTransientFailuresInARow() {
      ChannelState state = ChannelState.initial(null, T0);
      state = state.failed(T0, CIRCUIT).failed(T0, CIRCUIT);
      assertThat(state.circuit()).isEqualTo(Circuit.CLOSED);

      state = state.failed(T0.plusSeconds(1), CIRCUIT);

      assertThat(state.circuit()).isEqualTo(Circuit.OPEN);
      assertThat(state.circuitSince()).isEqualTo(T0.plusSeconds(1));
    }

    @Test
    void aSuccess_breaksTheRun() {
      ChannelState state = ChannelState.initial(null, T0).failed(T0, CIRCUIT).failed(T0, CIRCUIT);
      state = state.succeeded(T0, CIRCUIT).failed(T0, CIRCUIT).failed(T0, CIRCUIT);
      assertThat(state.circuit()).isEqualTo(Circuit.CLOSED);
      assertThat(state.failures()).isEqualTo(2);
    }

    @Test
    void open_holdsEveryCall_untilItReopens_spreadOverTheRampUp() {
      ChannelState open = opened();
      List<Instant> holds = new ArrayList<>();
      for (int i = 0; i < 500; i++) {
        Admission admission = open.admit(T0.plusSeconds(3), CIRCUIT, 0, RANDOM);
        assertThat(admission.admitted()).isFalse();
        assertThat(admission.next()).isEqualTo(open);
        holds.add(admission.holdUntil());
      }
      assertThat(holds).allSatisfy(at -> assertThat(at).isBetween(T0.plusSeconds(10), T0.plusSeconds(14)));
      // spread, not one instant: the calls come back as a ramp
      assertThat(holds.stream().filter(at -> at.isBefore(T0.plusSeconds(12))).count())
          .isBetween(150L, 350L);
    }

    @Test
    void afterOpenFor_halfOpen_letsTheTrialCallsThrough_andHoldsTheRest() {
      Instant later = T0.plusSeconds(10);
      Admission first = opened().admit(later, CIRCUIT, 0, RANDOM);
      assertThat(first.admitted()).isTrue();
      assertThat(first.next().circuit()).isEqualTo(Circuit.HALF_OPEN);
      Admission second = first.next().admit(later, CIRCUIT, 0, RANDOM);
      assertThat(second.admitted()).isTrue();

      Admission third = second.next().admit(later.plusMillis(5), CIRCUIT, 0, RANDOM);

      assertThat(third.admitted()).isFalse();
      assertThat(third.holdUntil()).isBetween(later.plusMillis(5), later.plusMillis(4_005));
    }

    @Test
    void halfOpen_closesWhenTheTrialsSucceed() {
      ChannelState trials = twoTrialsTaken();
      ChannelState oneDone = trials.succeeded(T0.plusSeconds(11), CIRCUIT);
      assertThat(oneDone.circuit()).isEqualTo(Circuit.HALF_OPEN);

      ChannelState closed = oneDone.succeeded(T0.plusSeconds(11), CIRCUIT);

      assertThat(closed.circuit()).isEqualTo(Circuit.CLOSED);
      assertThat(closed.circuitSince()).isEqualTo(T0.plusSeconds(11));
      assertThat(closed.admit(T0.plusSeconds(11), CIRCUIT, 0, RANDOM).admitted()).isTrue();
    }

    @Test
    void halfOpen_opensAgainOnATrialFailure() {
      ChannelState reopened = twoTrialsTaken().failed(T0.plusSeconds(12), CIRCUIT);
      assertThat(reopened.circuit()).isEqualTo(Circuit.OPEN);
      assertThat(reopened.circuitSince()).isEqualTo(T0.plusSeconds(12));
      assertThat(reopened.admit(T0.plusSeconds(13), CIRCUIT, 0, RANDOM).admitted()).isFalse();
    }

    @Test
    void halfOpen_whoseTrialsNeverReported_startsANewRoundAfterOpenFor() {
      ChannelState stuck = twoTrialsTaken();
      Admission retried = stuck.admit(T0.plusSeconds(20), CIRCUIT, 0, RANDOM);
      assertThat(retried.admitted()).isTrue();
      assertThat(retried.next().trials()).isEqualTo(1);
    }

    @Test
    void open_lateAnswersOfCallsMadeBeforeItOpened_changeNothing() {
      ChannelState open = opened();
      assertThat(open.succeeded(T0.plusSeconds(1), CIRCUIT)).isEqualTo(open);
      assertThat(open.failed(T0.plusSeconds(1), CIRCUIT)).isEqualTo(open);
    }

    @Test
    void halfOpenTrial_heldByTheRateLimit_isNotTaken() {
      ChannelState open = opened().withRateLimit(1.0);
      ChannelState paced =
          open.admit(T0.plusSeconds(10), CIRCUIT, 0, RANDOM).next(); // first trial, slot used
      Admission held = paced.admit(T0.plusSeconds(10).plusMillis(1), CIRCUIT, 0, RANDOM);
      assertThat(held.admitted()).isFalse();
      assertThat(held.next().trials()).isEqualTo(1);
    }

    private ChannelState opened() {
      ChannelState state = ChannelState.initial(null, T0);
      for (int i = 0; i < CIRCUIT.failureThreshold(); i++) {
        state = state.failed(T0, CIRCUIT);
      }
      return state;
    }

    private ChannelState twoTrialsTaken() {
      ChannelState state = opened();
      for (int i = 0; i < CIRCUIT.trialCalls(); i++) {
        state = state.admit(T0.plusSeconds(10), CIRCUIT, 0, RANDOM).next();
      }
      return state;
    }
  }
}
