package dev.relay.room;

import static dev.relay.jdbc.Timestamps.utc;

import dev.relay.jdbc.UpdateReturning;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Stream;
import org.springframework.dao.ConcurrencyFailureException;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;

/** relay_room, and the queue columns of relay_message (turn_state, report_instance_id). */
@Repository
class RoomRepository {

  private static final String ADD =
      "update relay_room set last_sequence = last_sequence + ? where room_id = ?";

  private final JdbcTemplate jdbc;
  private final UpdateReturning returning;

  RoomRepository(JdbcTemplate jdbc, UpdateReturning returning) {
    this.jdbc = jdbc;
    this.returning = returning;
  }

  /**
   * Adds {@code count} to the room's sequence, creating the room at its first message, and returns
   * the first of the new sequences with the room's instance. The row stays locked until the
   * transaction ends: that is what orders a room's intake, and what the instance's "take next / go
   * idle" waits for.
   */
  RoomQueue.Ticket incrementSequence(String roomId, int count) {
    RoomQueue.Ticket last;
    if (returning.isPostgres()) {
      // one round trip; concurrent first messages of a room queue on the key, none fails
      last =
          jdbc.queryForObject(
              "insert into relay_room (room_id, last_sequence) values (?, ?) on conflict (room_id)"
                  + " do update set last_sequence = relay_room.last_sequence + excluded.last_sequence"
                  + " returning room_id, last_sequence, instance_id, idle",
              RoomRepository::ticket,
              roomId,
              count);
    } else {
      if (jdbc.update(ADD, count, roomId) == 0) {
        try {
          jdbc.update("insert into relay_room (room_id, last_sequence) values (?, ?)", roomId, count);
        } catch (DuplicateKeyException | ConcurrencyFailureException createdConcurrently) {
          // H2 fails only the statement, not the transaction: count on the winner's row
          jdbc.update(ADD, count, roomId);
        }
      }
      last =
          jdbc.queryForObject(
              "select room_id, last_sequence, instance_id, idle from relay_room where room_id = ?",
              RoomRepository::ticket,
              roomId);
    }
    return new RoomQueue.Ticket(
        last.roomId(), last.sequence() - count + 1, last.instanceId(), last.idle());
  }

  /** The room's instance and whether it waits idle, under the room's row lock. */
  Optional<Locked> lock(String roomId) {
    return jdbc
        .query(
            "select instance_id, idle from relay_room where room_id = ? for update",
            (rs, i) -> new Locked(rs.getString(1), rs.getBoolean(2)),
            roomId)
        .stream()
        .findFirst();
  }

  /**
   * The room's lowest waiting message leaves the queue, and the instance waits for its report.
   * Only under the room's row lock: it decides which message is next.
   */
  Optional<RoomQueue.Taken> takeNext(String roomId, String instanceId, Instant at) {
    return take(roomId, instanceId, at, "");
  }

  /**
   * As {@link #takeNext}, without the room's lock, when the instance is the room's and works (is
   * not idle): intake stores a room's messages one transaction at a time, in sequence order, so the
   * lowest committed waiting message is the next one.
   */
  Optional<RoomQueue.Taken> takeNextAsWorkingInstance(String roomId, String instanceId, Instant at) {
    return take(
        roomId,
        instanceId,
        at,
        " and exists (select 1 from relay_room r where r.room_id = ? and r.instance_id = ? and not r.idle)",
        roomId,
        instanceId);
  }

  private Optional<RoomQueue.Taken> take(
      String roomId, String instanceId, Instant at, String condition, Object... conditionArgs) {
    Object[] args =
        Stream.concat(Stream.of(instanceId, utc(at), roomId), Arrays.stream(conditionArgs)).toArray();
    return jdbc
        .query(
            returning.sql(
                // a message committed after `at` was read is not taken before it was accepted
                "update relay_message set turn_state = 'TAKEN', report_instance_id = ?,"
                    + " taken_at = greatest(?, accepted_at)"
                    + " where message_id = (select message_id from relay_message"
                    + " where room_id = ? and turn_state = 'WAITING'"
                    + " order by sequence fetch first 1 rows only)"
                    + " and turn_state = 'WAITING'"
                    + condition,
                "message_id, channel"),
            (rs, i) -> new RoomQueue.Taken(rs.getString(1), rs.getString(2)),
            args)
        .stream()
        .findFirst();
  }

  /**
   * The message the room's cancelled instance was working on: taken by it, still reported to it,
   * and not reported by the provider yet.
   */
  Optional<Interrupted> interruptedMessage(String roomId, String instanceId) {
    return jdbc
        .query(
            "select message_id, taken_at from relay_message where room_id = ? and turn_state = 'TAKEN'"
                + " and report_instance_id = ? and status in ('QUEUED', 'DISPATCHED')",
            (rs, i) ->
                new Interrupted(
                    rs.getString(1),
                    Optional.ofNullable(rs.getObject(2, OffsetDateTime.class))
                        .map(OffsetDateTime::toInstant)),
            roomId,
            instanceId)
        .stream()
        .findFirst();
  }

  /**
   * Puts the message back at the head of its room's queue, if the instance that took it still
   * waits for its report and nobody has reported it yet.
   *
   * @return whether it went back
   */
  boolean requeue(String messageId, String instanceId) {
    return jdbc.update(
            "update relay_message set turn_state = 'WAITING', report_instance_id = null"
                + " where message_id = ? and report_instance_id = ? and status in ('QUEUED', 'DISPATCHED')",
            messageId,
            instanceId)
        > 0;
  }

  /** The instance is the room's, working on a message or waiting idle for the next one. */
  void setInstance(String roomId, String instanceId, boolean idle) {
    jdbc.update(
        "update relay_room set instance_id = ?, idle = ? where room_id = ?", instanceId, idle, roomId);
  }

  Optional<RoomView> view(String roomId) {
    return jdbc
        .query(
            // the message the room's instance works on: its latest taken, unless it waits idle
            "select r.room_id, r.last_sequence,"
                + " case when r.idle then null else (select m.message_id from relay_message m"
                + " where m.room_id = r.room_id and m.turn_state = 'TAKEN'"
                + " order by m.sequence desc fetch first 1 rows only) end,"
                + " (select count(*) from relay_message m where m.room_id = r.room_id and m.turn_state = 'WAITING'),"
                + " (select count(*) from relay_message m where m.room_id = r.room_id and m.status in ('DELIVERED', 'READ'))"
                + " from relay_room r where r.room_id = ?",
            (rs, i) ->
                new RoomView(
                    rs.getString(1), rs.getLong(2), rs.getString(3), rs.getLong(4), rs.getLong(5)),
            roomId)
        .stream()
        .findFirst();
  }

  private static RoomQueue.Ticket ticket(ResultSet rs, int row) throws SQLException {
    return new RoomQueue.Ticket(
        rs.getString("room_id"), rs.getLong("last_sequence"), rs.getString("instance_id"), rs.getBoolean("idle"));
  }

  /** A room under its lock: its instance (null before its first), and whether it waits idle. */
  record Locked(String instanceId, boolean idle) {}

  record Interrupted(String messageId, Optional<Instant> takenAt) {}
}
