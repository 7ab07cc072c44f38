package dev.relay.room;

import static dev.relay.support.WebhookClient.delivered;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import dev.relay.channel.AckGates;
import dev.relay.channel.ChannelPolicies;
import dev.relay.support.RelayApi;
import io.micrometer.core.instrument.MeterRegistry;
import java.math.BigDecimal;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * A room on a channel with {@code ack-gate-timeout: auto} waits for an ACK as long as the
 * channel's ACKs take: the ACKs' delays go through the database to the gate (every 5 s), the
 * room's timer, the gauge and the timeline show it. On H2, in the room tests' context.
 */
class LearnedAckGateIT extends RoomIntegrationTest {

  private static final Duration SLOW_ACK = Duration.ofMillis(700);

  @Autowired AckGates ackGates;
  @Autowired ChannelPolicies policies;
  @Autowired MeterRegistry meters;

  @Test
  void aRoomWaitsForAnAckAsLongAsTheChannelsAcksTake() {
    // nothing learned yet: the channel's maximum
    assertThat(policies.ackGate(LEARNING_CHANNEL)).isEqualTo(LEARNING_GATE_MAX);

    // an ACK that comes is a sample, shared through the database
    String room = newId("learning");
    String first = room + "-m1";
    api.send(message(first, room, LEARNING_CHANNEL));
    eventually().until(() -> provider.calls(first).size(), equalTo(1));
    assertThat(callbacks(LEARNING_CHANNEL).send(delivered(first))).isEqualTo(200);
    eventually().until(() -> sharedSamples(), equalTo(1L));

    // many more, slower: the gate follows them (p99 of 151, within the channel's bounds)
    for (int i = 0; i < 150; i++) {
      ackGates.record(LEARNING_CHANNEL, SLOW_ACK);
    }
    eventually().until(() -> policies.ackGate(LEARNING_CHANNEL).compareTo(LEARNING_GATE_MAX) < 0);
    Duration learned = policies.ackGate(LEARNING_CHANNEL);
    assertThat(learned).isBetween(SLOW_ACK, SLOW_ACK.multipliedBy(105).dividedBy(100));
    assertThat(meters.get("relay.ack.gate").tag("channel", LEARNING_CHANNEL).gauge().value())
        .isEqualTo(learned.toNanos() / 1e9);

    // nobody ACKs the next message: the room moves on after the learned gate, not the maximum
    String second = room + "-m2";
    String third = room + "-m3";
    api.send(message(second, room, LEARNING_CHANNEL));
    api.send(message(third, room, LEARNING_CHANNEL));
    eventually().until(() -> provider.calls(third).size(), equalTo(1));

    JsonNode view = api.message(second);
    JsonNode timeout = RelayApi.timeline(view).stream()
        .filter(step -> step.get("event").asText().equals("ACK_GATE_TIMEOUT"))
        .findFirst()
        .orElseThrow();
    assertThat(timeout.get("detail").asText())
        .startsWith("waited ")
        .endsWith(", gate " + seconds(learned));
    assertThat(Duration.between(at(view, "DISPATCHED"), at(view, "ACK_GATE_TIMEOUT")))
        .isGreaterThanOrEqualTo(learned);
  }

  private long sharedSamples() {
    return jdbc.queryForObject(
        "select coalesce(sum(samples), 0) from relay_ack_delay where channel = ?",
        Long.class,
        LEARNING_CHANNEL);
  }

  private static String seconds(Duration d) {
    return BigDecimal.valueOf(d.toMillis(), 3).stripTrailingZeros().toPlainString() + "s";
  }
}
