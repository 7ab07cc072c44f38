package dev.relay.room;

import static dev.relay.support.WebhookClient.delivered;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import dev.relay.support.EmbeddedPostgresConfiguration;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpStatus;
import org.springframework.test.context.ActiveProfiles;

/** {@link RoomScenarios} on PostgreSQL, and what only PostgreSQL shows. */
@ActiveProfiles({"test", "postgres"})
@Import(EmbeddedPostgresConfiguration.class)
class RoomPostgresIT extends RoomScenarios {

  @Autowired DataSource dataSource;

  /**
   * The ACK of the room's message and its ACK gate timeout, at the same moment: the gate's
   * hand-over and the webhook both take the message's row lock, then the room's. Once the room
   * waits for the ACK, the test holds the message's row lock itself until the gate timeout's
   * hand-over waits for it and the ACK waits too, then lets go. Whichever comes first, the ACK is
   * applied once, reaches whichever instance waits for it, and the room moves on once; with one
   * lock order on both paths nothing deadlocks (PostgreSQL counts every deadlock it had to break).
   */
  @Test
  void ackMeetsGateTimeoutOfTheSameMessage_roomMovesOnOnce_noDeadlock() throws Exception {
    String room = newId("meeting");
    String first = room + "-m1";
    String second = room + "-m2";
    assertThat(api.send(message(first, room, SLOW_GATE_CHANNEL)).getStatusCode())
        .isEqualTo(HttpStatus.ACCEPTED);
    assertThat(api.send(message(second, room, SLOW_GATE_CHANNEL)).getStatusCode())
        .isEqualTo(HttpStatus.ACCEPTED);
    eventually().until(() -> activeActivities(roomInstance(room)), equalTo(List.of("Task_AwaitDeliveryReport")));
    String instance = roomInstance(room).getId();
    long deadlocksBefore = deadlocks();

    CompletableFuture<Integer> ack;
    try (Connection lock = dataSource.getConnection()) {
      lock.setAutoCommit(false);
      try (PreparedStatement messageRow =
          lock.prepareStatement("select status from relay_message where message_id = ? for update")) {
        messageRow.setString(1, first);
        messageRow.executeQuery().close();
      }
      eventually().until(this::waitingForARowLock, equalTo(1)); // the gate timeout's hand-over
      ack = CompletableFuture.supplyAsync(() -> callbacks(SLOW_GATE_CHANNEL).send(delivered(first)));
      eventually().until(this::waitingForARowLock, equalTo(2)); // and the ACK
      lock.commit();
    }

    assertThat(ack.get()).isEqualTo(200);
    eventually().until(() -> provider.calls(second).size(), equalTo(1));
    eventually().until(() -> activeActivities(roomInstance(room)), equalTo(List.of("Task_AwaitDeliveryReport")));
    assertThat(roomInstance(room).getId()).isEqualTo(instance);
    assertThat(currentMessage(room)).isEqualTo(second);
    assertThat(api.status(first)).isEqualTo("DELIVERED");
    assertThat(api.events(first)).containsOnlyOnce("DELIVERED", "DISPATCHED");
    assertThat(api.events(second)).containsOnlyOnce("TURN_GRANTED", "DISPATCHED");
    assertThat(provider.calls(first)).hasSize(1);
    // the gate came first (the ACK reached the message's own, new instance) or the ACK did
    assertThat(resendInstance(first)).isNull();
    assertRoomView(room, second, 0, 1);
    // a broken deadlock reaches the statistics when its victim's session next goes idle
    await("no deadlock counted")
        .during(Duration.ofSeconds(5))
        .atMost(Duration.ofSeconds(8))
        .until(this::deadlocks, equalTo(deadlocksBefore));
  }

  private long deadlocks() {
    return jdbc.queryForObject(
        "select deadlocks from pg_stat_database where datname = current_database()", Long.class);
  }

  /** Sessions of this database waiting for a row lock (of a room or a message). */
  /** Statements waiting for a message's row lock: a read for update, or an ACK's update. */
  private int waitingForARowLock() {
    return jdbc.queryForObject(
        "select count(*) from pg_stat_activity where datname = current_database()"
            + " and wait_event_type = 'Lock' and query like '%relay_message%'",
        Integer.class);
  }
}
