package dev.relay.channel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.relay.support.TestPolicies;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The policies the diagrams' timers, retry cycles and gateways read. */
class ChannelPoliciesTest {

  private static final String CHANNEL = "whatsapp";
  private static final Instant FIRST = Instant.parse("2025-03-01T10:00:00Z");

  private final ChannelPolicies policies =
      TestPolicies.of(
          CHANNEL,
          Duration.ofSeconds(2),
          List.of(Duration.ofSeconds(15), Duration.ofSeconds(30), Duration.ofHours(4)),
          5,
          List.of(Duration.ofSeconds(5), Duration.ofSeconds(15), Duration.ofMinutes(1)));

  @Test
  void resendsAreDueAtTheFirstAttemptPlusTheDelaysOneAfterTheOther() {
    assertThat(policies.resendDue(CHANNEL, 1, Date.from(FIRST)))
        .isEqualTo(at(Duration.ofSeconds(15)));
    assertThat(policies.resendDue(CHANNEL, 2, Date.from(FIRST)))
        .isEqualTo(at(Duration.ofSeconds(45)));
    assertThat(policies.resendDue(CHANNEL, 3, Date.from(FIRST)))
        .isEqualTo(at(Duration.ofHours(4).plusSeconds(45)));
  }

  @Test
  void theLastResendDelayRepeats() {
    assertThat(policies.resendDue(CHANNEL, 4, Date.from(FIRST)))
        .isEqualTo(at(Duration.ofHours(8).plusSeconds(45)));
    assertThat(policies.resendDue(CHANNEL, 5, Date.from(FIRST)))
        .isEqualTo(at(Duration.ofHours(12).plusSeconds(45)));
  }

  @Test
  void noAttemptYetCountsAsTheFirstDelay() {
    assertThat(policies.resendDue(CHANNEL, 0, Date.from(FIRST)))
        .isEqualTo(at(Duration.ofSeconds(15)));
  }

  @Test
  void attemptsMayComeAsAnyNumberOrAsText() {
    // process variables come back as Integer, Long or (from the REST API) String
    assertThat(policies.resendDue(CHANNEL, 2L, Date.from(FIRST)))
        .isEqualTo(at(Duration.ofSeconds(45)));
    assertThat(policies.resendDue(CHANNEL, "2", Date.from(FIRST)))
        .isEqualTo(at(Duration.ofSeconds(45)));
    assertThat(policies.hasAttemptsLeft(CHANNEL, 4L)).isTrue();
    assertThat(policies.hasAttemptsLeft(CHANNEL, "5")).isFalse();
  }

  @Test
  void hasAttemptsLeftUntilMaxAttemptsWereMade() {
    assertThat(policies.hasAttemptsLeft(CHANNEL, 0)).isTrue();
    assertThat(policies.hasAttemptsLeft(CHANNEL, 4)).isTrue();
    assertThat(policies.hasAttemptsLeft(CHANNEL, 5)).isFalse();
    assertThat(policies.hasAttemptsLeft(CHANNEL, 6)).isFalse();
  }

  @Test
  void dispatchRetryCycleIsTheConfiguredDelaysAndTriesAreOneMore() {
    assertThat(policies.dispatchRetryCycle()).isEqualTo("PT5S,PT15S,PT1M");
    // the first try and one per delay
    assertThat(policies.dispatchTries()).isEqualTo(4);
  }

  @Test
  void resendOfAMessageTheProviderNeverTookHasNoRetriesOfItsOwn() {
    // its retries were its room's: the first failure of its resend is an incident
    assertThat(policies.resendRetryCycle(0)).isEqualTo("R1/PT5S");
    assertThat(policies.resendRetryCycle("0")).isEqualTo("R1/PT5S");
  }

  @Test
  void resendOfAMessageTheProviderTookRetriesOnTheDispatchCycle() {
    assertThat(policies.resendRetryCycle(1)).isEqualTo("PT5S,PT15S,PT1M");
    assertThat(policies.resendRetryCycle(3L)).isEqualTo("PT5S,PT15S,PT1M");
  }

  @Test
  void ackGateTimeoutIsTheChannelsAsIso8601() {
    assertThat(policies.ackGateTimeout(CHANNEL)).isEqualTo("PT2S");
  }

  @Test
  void ackGateIsTheConfiguredTimeout_theValueTheChannelViewShows() {
    assertThat(policies.ackGate(CHANNEL)).isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void unknownChannelIsRefusedByName() {
    assertThat(policies.isKnown(CHANNEL)).isTrue();
    assertThat(policies.isKnown("telegram")).isFalse();
    assertThat(policies.isKnown(null)).isFalse();
    assertThatThrownBy(() -> policies.resendDue("telegram", 1, Date.from(FIRST)))
        .isInstanceOf(ChannelPolicies.UnknownChannelException.class)
        .hasMessage("unknown channel 'telegram'");
    assertThatThrownBy(() -> policies.hasAttemptsLeft("telegram", 1))
        .isInstanceOf(ChannelPolicies.UnknownChannelException.class);
  }

  private static Date at(Duration sinceFirst) {
    return Date.from(FIRST.plus(sinceFirst));
  }
}
