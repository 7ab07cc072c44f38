package dev.relay.room;

import static dev.relay.support.WebhookClient.delivered;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import dev.relay.support.EmbeddedPostgresConfiguration;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpStatus;
import org.springframework.test.context.ActiveProfiles;

/** {@link RoomTurnScenarios} on PostgreSQL, and what only PostgreSQL shows. */
@ActiveProfiles({"test", "postgres"})
@Import(EmbeddedPostgresConfiguration.class)
class RoomTurnPostgresIT extends RoomTurnScenarios {

  @Autowired DataSource dataSource;

  /**
   * The ACK of a turn holder and its ACK gate timeout, at the same moment: both pass the same turn
   * on, under the room's lock and the message's lock. Once the holder is dispatched, the test holds
   * the room's row lock itself until the gate timeout's release waits for it and the ACK waits too
   * (for the room or for the message, depending on the order the two paths lock in), then lets go.
   * With one lock order on both paths nothing deadlocks; PostgreSQL counts every deadlock it had
   * to break.
   */
  @Test
  void ackMeetsGateTimeoutOfTheSameMessage_turnPassesOnce_noDeadlock() throws Exception {
    String room = newId("meeting");
    String first = room + "-m1";
    String second = room + "-m2";
    assertThat(api.send(message(first, room, SLOW_GATE_CHANNEL)).getStatusCode())
        .isEqualTo(HttpStatus.ACCEPTED);
    assertThat(api.send(message(second, room, SLOW_GATE_CHANNEL)).getStatusCode())
        .isEqualTo(HttpStatus.ACCEPTED);
    eventually().until(() -> activeActivities(first).contains("Timer_ResendDue"));
    long deadlocksBefore = deadlocks();

    CompletableFuture<Integer> ack;
    try (Connection lock = dataSource.getConnection()) {
      lock.setAutoCommit(false);
      try (PreparedStatement roomRow =
          lock.prepareStatement("select turn_holder from relay_room where room_id = ? for update")) {
        roomRow.setString(1, room);
        roomRow.executeQuery().close();
      }
      eventually().until(this::waitingForARowLock, equalTo(1)); // the gate timeout's release
      ack = CompletableFuture.supplyAsync(() -> callbacks(SLOW_GATE_CHANNEL).send(delivered(first)));
      eventually().until(this::waitingForARowLock, equalTo(2)); // and the ACK's
      lock.commit();
    }

    assertThat(ack.get()).isEqualTo(200);
    eventually().until(() -> provider.calls(second).size(), equalTo(1));
    assertThat(api.status(first)).isEqualTo("DELIVERED");
    assertThat(api.events(first)).containsOnlyOnce("TURN_PASSED");
    assertThat(api.room(room).getBody().get("turnHolder").asText()).isEqualTo(second);
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
  private int waitingForARowLock() {
    return jdbc.queryForObject(
        "select count(*) from pg_stat_activity where datname = current_database()"
            + " and wait_event_type = 'Lock' and query like '%for update%'",
        Integer.class);
  }
}
