package dev.relay.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SimulatorBehaviourTest {

  private static SimulatorProperties defaults() {
    return new SimulatorProperties(true, "http://localhost:8080/webhooks/{channel}",
        "demo-webhook-secret", null, Duration.ofMillis(200), Duration.ofMillis(100),
        Duration.ofSeconds(1), Duration.ZERO, 0, 0, 0, 0, 0, 0, 0, 1, null);
  }

  private final SimulatorBehaviour behaviour = new SimulatorBehaviour(defaults());

  @Test
  void startsFromTheProperties() {
    SimulatorBehaviour.Settings s = behaviour.current();

    assertThat(s.callbackUrl()).isEqualTo("http://localhost:8080/webhooks/{channel}");
    assertThat(s.webhookSecret()).isEqualTo("demo-webhook-secret");
    assertThat(s.callbackDelay()).isEqualTo(Duration.ofMillis(200));
    assertThat(s.readDelay()).isEqualTo(Duration.ofSeconds(1));
    assertThat(s.retryAfterSeconds()).isEqualTo(1);
  }

  @Test
  void partialUpdate_changesOnlyTheGivenFields() {
    SimulatorBehaviour.Settings before = behaviour.current();

    SimulatorBehaviour.Settings after =
        behaviour.update(Map.of("dropRate", 0.25, "callbackDelay", "50ms", "readDelay", 20));

    assertThat(after).isEqualTo(behaviour.current());
    assertThat(after.dropRate()).isEqualTo(0.25);
    assertThat(after.callbackDelay()).isEqualTo(Duration.ofMillis(50));
    assertThat(after.readDelay()).isEqualTo(Duration.ofMillis(20));
    assertThat(after.callbackJitter()).isEqualTo(before.callbackJitter());
    assertThat(after.callbackUrl()).isEqualTo(before.callbackUrl());
    assertThat(after.earlyRate()).isZero();
  }

  @Test
  void isoDurationsAndNullsAreAccepted() {
    Map<String, Object> changes = new HashMap<>();
    changes.put("callbackJitter", "PT0.5S");
    changes.put("earlyRate", null); // null keeps the value

    SimulatorBehaviour.Settings after = behaviour.update(changes);

    assertThat(after.callbackJitter()).isEqualTo(Duration.ofMillis(500));
    assertThat(after.earlyRate()).isZero();
  }

  @Test
  void invalidValues_areRejected_andNothingChanges() {
    SimulatorBehaviour.Settings before = behaviour.current();

    assertThatThrownBy(() -> behaviour.update(Map.of("dropRate", 1.5)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("dropRate");
    assertThatThrownBy(() -> behaviour.update(Map.of("readRate", -0.1)))
        .hasMessageContaining("readRate");
    assertThatThrownBy(() -> behaviour.update(Map.of("earlyRate", "often")))
        .hasMessageContaining("earlyRate");
    assertThatThrownBy(() -> behaviour.update(Map.of("callbackDelay", "soon")))
        .hasMessageContaining("callbackDelay");
    assertThatThrownBy(() -> behaviour.update(Map.of("callbackDelay", "-5ms")))
        .hasMessageContaining("callbackDelay");
    assertThatThrownBy(() -> behaviour.update(Map.of("webhookSecret", " ")))
        .hasMessageContaining("webhookSecret");
    assertThatThrownBy(() -> behaviour.update(Map.of("retryAfterSeconds", 1.5)))
        .hasMessageContaining("retryAfterSeconds");
    assertThatThrownBy(() -> behaviour.update(Map.of("dropRat", 1, "dropRate", 1)))
        .hasMessageContaining("unknown").hasMessageContaining("dropRat");

    assertThat(behaviour.current()).isEqualTo(before);
  }

  @Test
  void dropRecipientPrefix_dropsOnlyThoseRecipients_andEmptyMeansNone() {
    assertThat(behaviour.current().dropsCallbacksTo("open-1")).isFalse();

    behaviour.update(Map.of("dropRecipientPrefix", "open-"));

    assertThat(behaviour.current().dropsCallbacksTo("open-1")).isTrue();
    assertThat(behaviour.current().dropsCallbacksTo("room-1")).isFalse();
    assertThat(behaviour.update(Map.of("dropRecipientPrefix", "")).dropsCallbacksTo("open-1"))
        .isFalse();
  }

  @Test
  void reset_restoresTheProperties() {
    SimulatorBehaviour.Settings initial = behaviour.current();
    behaviour.update(Map.of("serverErrorRate", 1, "callbackUrl", "http://elsewhere/{channel}"));

    assertThat(behaviour.reset()).isEqualTo(initial);
    assertThat(behaviour.current()).isEqualTo(initial);
  }
}
