package dev.relay.delivery;

import static dev.relay.jdbc.Timestamps.utc;

import dev.relay.jdbc.UpdateReturning;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;

/**
 * relay_message. {@link #lock} takes the row lock that serialises everything that reads a
 * message's status and then moves a process: the dispatch, the hand-over and each webhook status.
 */
@Repository
class MessageRepository {

  private static final String COLUMNS =
      "message_id, room_id, sequence, channel, recipient, body, fallback_email, status, attempts,"
          + " provider_message_id, accepted_at, dispatched_at, delivered_at, read_at,"
          + " taken_at, report_instance_id";

  private static final String INSERT =
      "insert into relay_message (message_id, room_id, sequence, channel, recipient, body,"
          + " fallback_email, status, turn_state, attempts, accepted_at)"
          + " values (?, ?, ?, ?, ?, ?, ?, 'QUEUED', 'WAITING', 0, ?)";

  /** The statuses an ACK moves on: neither acknowledged nor given up. */
  private static final String UNACKNOWLEDGED =
      Arrays.stream(MessageStatus.values())
          .filter(s -> !s.isAcknowledged() && !s.isGivenUp())
          .map(s -> "'" + s.name() + "'")
          .collect(Collectors.joining(", "));

  private final JdbcTemplate jdbc;
  private final UpdateReturning returning;

  MessageRepository(JdbcTemplate jdbc, UpdateReturning returning) {
    this.jdbc = jdbc;
    this.returning = returning;
  }

  void insert(NewMessage m, long sequence, Instant acceptedAt) {
    jdbc.update(INSERT, insertArguments(m, sequence, acceptedAt));
  }

  /** One JDBC batch: one round trip for all of them. */
  void insertAll(List<NewMessage> batch, List<Long> sequences, Instant acceptedAt) {
    List<Object[]> rows = new ArrayList<>(batch.size());
    for (int i = 0; i < batch.size(); i++) {
      rows.add(insertArguments(batch.get(i), sequences.get(i), acceptedAt));
    }
    jdbc.batchUpdate(INSERT, rows);
  }

  private static Object[] insertArguments(NewMessage m, long sequence, Instant acceptedAt) {
    return new Object[] {
      m.messageId(), m.roomId(), sequence, m.channel(), m.to(), m.body(), m.fallbackEmail(), utc(acceptedAt)
    };
  }

  Optional<Message> find(String messageId) {
    return first("select " + COLUMNS + " from relay_message where message_id = ?", messageId);
  }

  List<Message> findAll(Collection<String> messageIds) {
    if (messageIds.isEmpty()) {
      return List.of();
    }
    String marks = String.join(", ", Collections.nCopies(messageIds.size(), "?"));
    return jdbc.query(
        "select " + COLUMNS + " from relay_message where message_id in (" + marks + ")",
        MessageRepository::message,
        messageIds.toArray());
  }

  /** Reads the message under its row lock, held until the transaction ends. */
  Optional<Message> lock(String messageId) {
    return first(
        "select " + COLUMNS + " from relay_message where message_id = ? for update", messageId);
  }

  Optional<Message> findByProviderId(String providerMessageId) {
    return first(
        "select " + COLUMNS + " from relay_message where provider_message_id = ?", providerMessageId);
  }

  /**
   * Records an attempt the provider accepted, under the message's row lock (held until the
   * transaction ends), and answers the message as it is then: a status recorded meanwhile is in it.
   */
  Optional<Message> recordAttempt(
      String messageId, int attempt, String providerMessageId, Instant at) {
    return first(
        returning.sql(
            "update relay_message set attempts = ?, provider_message_id = ?,"
                + " dispatched_at = coalesce(dispatched_at, ?),"
                + " status = case when status = 'QUEUED' then 'DISPATCHED' else status end"
                + " where message_id = ?",
            COLUMNS),
        attempt,
        providerMessageId,
        utc(at),
        messageId);
  }

  /** The message's next provider call waits until then (its channel's circuit or rate limit). */
  void hold(String messageId, Instant until) {
    jdbc.update(
        "update relay_message set held_until = ? where message_id = ?", utc(until), messageId);
  }

  /** Messages of the channel whose next provider call is held back beyond this moment. */
  long countHeld(String channel, Instant now) {
    Long count =
        jdbc.queryForObject(
            "select count(*) from relay_message where channel = ? and held_until > ?"
                + " and status in ('QUEUED', 'DISPATCHED')",
            Long.class,
            channel,
            utc(now));
    return count == null ? 0 : count;
  }

  /** The process instance that waits for the message's delivery report from now on. */
  void setReportInstance(String messageId, String processInstanceId) {
    jdbc.update(
        "update relay_message set report_instance_id = ? where message_id = ?",
        processInstanceId,
        messageId);
  }

  void updateStatus(String messageId, MessageStatus status, Instant at) {
    jdbc.update(statusUpdate(status), statusArguments(status, at, messageId));
  }

  /**
   * The message's first ACK: moves a message of the channel that is neither acknowledged nor given
   * up to the status (DELIVERED or READ), under its row lock, held until the transaction ends, and
   * answers it as it is then. Empty when the message is no such message: already acknowledged,
   * given up, of another channel, or unknown.
   */
  Optional<Message> acknowledge(String messageId, String channel, MessageStatus status, Instant at) {
    Object[] keys = statusArguments(status, at, messageId);
    Object[] args = Arrays.copyOf(keys, keys.length + 1);
    args[keys.length] = channel;
    return first(
        returning.sql(
            statusUpdate(status) + " and channel = ? and status in (" + UNACKNOWLEDGED + ")",
            COLUMNS),
        args);
  }

  private static String statusUpdate(MessageStatus status) {
    String column =
        switch (status) {
          case DELIVERED -> "delivered_at = coalesce(delivered_at, ?)";
          case READ -> "delivered_at = coalesce(delivered_at, ?), read_at = coalesce(read_at, ?)";
          default -> "finished_at = coalesce(finished_at, ?)";
        };
    return "update relay_message set status = ?, " + column + " where message_id = ?";
  }

  private static Object[] statusArguments(MessageStatus status, Instant at, String messageId) {
    return status == MessageStatus.READ
        ? new Object[] {status.name(), utc(at), utc(at), messageId}
        : new Object[] {status.name(), utc(at), messageId};
  }

  private Optional<Message> first(String sql, Object... args) {
    List<Message> found = jdbc.query(sql, MessageRepository::message, args);
    return found.stream().findFirst();
  }

  private static Message message(ResultSet rs, int row) throws SQLException {
    return new Message(
        rs.getString("message_id"),
        rs.getString("room_id"),
        rs.getLong("sequence"),
        rs.getString("channel"),
        rs.getString("recipient"),
        rs.getString("body"),
        rs.getString("fallback_email"),
        MessageStatus.valueOf(rs.getString("status")),
        rs.getInt("attempts"),
        rs.getString("provider_message_id"),
        instant(rs, "accepted_at"),
        instant(rs, "dispatched_at"),
        instant(rs, "delivered_at"),
        instant(rs, "read_at"),
        instant(rs, "taken_at"),
        rs.getString("report_instance_id"));
  }

  private static Instant instant(ResultSet rs, String column) throws SQLException {
    OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
    return value == null ? null : value.toInstant();
  }
}
