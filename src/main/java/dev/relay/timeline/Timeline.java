package dev.relay.timeline;

import static dev.relay.jdbc.Timestamps.utc;

import dev.relay.jdbc.AfterCommit;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;

/** Each message's timeline (API.md §2): one row per step, written in the step's transaction. */
@Repository
public class Timeline {

  private final JdbcTemplate jdbc;
  private final MeterRegistry meters;

  public Timeline(JdbcTemplate jdbc, MeterRegistry meters) {
    this.jdbc = jdbc;
    this.meters = meters;
  }

  public void record(String messageId, TimelineEvent event) {
    record(messageId, event, null, null);
  }

  public void record(String messageId, TimelineEvent event, Integer attempt, String detail) {
    record(messageId, event, attempt, detail, Instant.now());
  }

  /** With the time the step happened, when that was before it could be recorded. */
  public void record(
      String messageId, TimelineEvent event, Integer attempt, String detail, Instant at) {
    jdbc.update(
        "insert into relay_message_event (message_id, at, event, attempt, detail) values (?, ?, ?, ?, ?)",
        messageId,
        utc(at),
        event.name(),
        attempt,
        detail == null ? null : truncate(detail));
    // the steps off the happy path (gate timeouts, failed dispatches, requeues, fallbacks, ...)
    AfterCommit.run(() -> meters.counter("relay.messages.events", "event", event.name()).increment());
  }

  /** How often the event was recorded for the message's attempt. */
  public int count(String messageId, TimelineEvent event, int attempt) {
    return jdbc.queryForObject(
        "select count(*) from relay_message_event where message_id = ? and event = ? and attempt = ?",
        Integer.class,
        messageId,
        event.name(),
        attempt);
  }

  public List<Entry> of(String messageId) {
    return jdbc.query(
        "select at, event, attempt, detail from relay_message_event where message_id = ? order by at, id",
        Timeline::entry,
        messageId);
  }

  private static Entry entry(ResultSet rs, int row) throws SQLException {
    Integer attempt = rs.getObject("attempt", Integer.class);
    return new Entry(
        rs.getObject("at", OffsetDateTime.class).toInstant(),
        rs.getString("event"),
        attempt,
        rs.getString("detail"));
  }

  private static String truncate(String detail) {
    return detail.length() <= 1024 ? detail : detail.substring(0, 1021) + "...";
  }

  public record Entry(Instant at, String event, Integer attempt, String detail) {}
}
