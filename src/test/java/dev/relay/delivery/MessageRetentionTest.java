package dev.relay.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.flywaydb.core.Flyway;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;

/** Retention on Relay's own schema (Flyway's migrations on H2): what leaves, what stays. */
class MessageRetentionTest {

  private static final Instant NOW = Instant.parse("2026-12-02T12:00:00Z");
  private static final Duration KEEP = Duration.ofDays(30);

  private JdbcTemplate jdbc;
  private MessageRetention retention;

  @BeforeEach
  void schema() {
    JdbcDataSource h2 = new JdbcDataSource();
    h2.setURL("jdbc:h2:mem:retention-" + System.nanoTime() + ";DB_CLOSE_DELAY=-1");
    Flyway.configure().dataSource(h2).load().migrate();
    jdbc = new JdbcTemplate(h2);
    retention = new MessageRetention(jdbc, new DataSourceTransactionManager(h2),
        new RelayRetentionProperties(KEEP, Duration.ofHours(1)), Clock.fixed(NOW, ZoneOffset.UTC));
  }

  @Test
  void finishedMessagesOlderThanTheRetention_leaveWithTheirTimelines_theRestStays() {
    Instant old = NOW.minus(KEEP).minusSeconds(60);
    message("old-delivered", 1, "DELIVERED", old);
    message("old-read", 2, "READ", old);
    message("old-unconfirmed", 3, "UNCONFIRMED", old);
    message("old-dispatched", 4, "DISPATCHED", old); // its resends still run
    message("recent-delivered", 5, "DELIVERED", NOW.minusSeconds(60));
    report("old-delivered", old);
    report("recent-delivered", NOW.minusSeconds(60));

    assertThat(retention.purge()).isEqualTo(3);

    assertThat(jdbc.queryForList("select message_id from relay_message order by sequence", String.class))
        .containsExactly("old-dispatched", "recent-delivered");
    assertThat(jdbc.queryForList("select distinct message_id from relay_message_event order by message_id", String.class))
        .containsExactly("old-dispatched", "recent-delivered");
    assertThat(jdbc.queryForList("select reference from relay_provider_status", String.class))
        .containsExactly("recent-delivered");
    assertThat(jdbc.queryForObject("select last_sequence from relay_room where room_id = 'room-A'", Long.class))
        .as("the room keeps its next sequence").isEqualTo(5);
  }

  @Test
  void moreThanABatch_allLeave() {
    Instant old = NOW.minus(KEEP).minusSeconds(60);
    int count = MessageRetention.BATCH * 2 + 7;
    for (int i = 1; i <= count; i++) {
      message("m-" + i, i, "DELIVERED", old);
    }
    assertThat(retention.purge()).isEqualTo(count);
    assertThat(jdbc.queryForObject("select count(*) from relay_message", Integer.class)).isZero();
  }

  private void message(String id, long sequence, String status, Instant accepted) {
    jdbc.update("merge into relay_room (room_id, last_sequence) key (room_id) values ('room-A', ?)", sequence);
    jdbc.update(
        "insert into relay_message (message_id, room_id, sequence, channel, recipient, body, status,"
            + " turn_state, attempts, accepted_at) values (?, 'room-A', ?, 'whatsapp', '+1', 'hi', ?,"
            + " 'TAKEN', 1, ?)",
        id, sequence, status, accepted.atOffset(ZoneOffset.UTC));
    jdbc.update("insert into relay_message_event (message_id, at, event) values (?, ?, 'DISPATCHED')",
        id, accepted.atOffset(ZoneOffset.UTC));
  }

  private void report(String reference, Instant at) {
    jdbc.update(
        "insert into relay_provider_status (channel, reference, status, received_at, outcome)"
            + " values ('whatsapp', ?, 'delivered', ?, 'APPLIED')",
        reference, at.atOffset(ZoneOffset.UTC));
  }
}
