package dev.relay.room;

import static dev.relay.timeline.Timeline.utc;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.sql.DatabaseMetaData;
import javax.sql.DataSource;
import org.springframework.dao.ConcurrencyFailureException;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.support.JdbcUtils;
import org.springframework.jdbc.support.MetaDataAccessException;
import org.springframework.stereotype.Repository;

/** relay_room, and the turn columns of relay_message. */
@Repository
class RoomRepository {

  private static final String INCREMENT =
      "update relay_room set last_sequence = last_sequence + 1 where room_id = ?";

  private final JdbcTemplate jdbc;
  private final boolean postgres;

  RoomRepository(JdbcTemplate jdbc, DataSource dataSource) throws MetaDataAccessException {
    this.jdbc = jdbc;
    this.postgres =
        "PostgreSQL"
            .equals(
                JdbcUtils.extractDatabaseMetaData(
                    dataSource, DatabaseMetaData::getDatabaseProductName));
  }

  /**
   * Adds one to the room's sequence, creating the room at its first message, and returns it.
   * The row stays locked until the transaction ends: that is what orders a room's intake.
   */
  long incrementSequence(String roomId) {
    if (postgres) {
      // one round trip; concurrent first messages of a room queue on the key, none fails
      return jdbc.queryForObject(
          "insert into relay_room (room_id, last_sequence) values (?, 1) on conflict (room_id)"
              + " do update set last_sequence = relay_room.last_sequence + 1 returning last_sequence",
          Long.class,
          roomId);
    }
    if (jdbc.update(INCREMENT, roomId) == 0) {
      try {
        jdbc.update("insert into relay_room (room_id, last_sequence) values (?, 1)", roomId);
        return 1;
      } catch (DuplicateKeyException | ConcurrencyFailureException createdConcurrently) {
        // H2 fails only the statement, not the transaction: count on the winner's row
        jdbc.update(INCREMENT, roomId);
      }
    }
    return jdbc.queryForObject(
        "select last_sequence from relay_room where room_id = ?", Long.class, roomId);
  }

  /** The room's current turn holder, read under the room's row lock. */
  Optional<String> lockAndGetHolder(String roomId) {
    List<String> holder =
        jdbc.query(
            "select turn_holder from relay_room where room_id = ? for update",
            (rs, i) -> rs.getString(1),
            roomId);
    if (holder.isEmpty()) {
      throw new IllegalStateException("room " + roomId + " does not exist");
    }
    return Optional.ofNullable(holder.get(0));
  }

  void lockMessage(String messageId) {
    jdbc.query(
        "select turn_state from relay_message where message_id = ? for update",
        (rs, i) -> rs.getString(1),
        messageId);
  }

  Optional<String> nextWaiting(String roomId) {
    return jdbc
        .query(
            "select message_id from relay_message where room_id = ? and turn_state = 'WAITING'"
                + " order by sequence fetch first 1 rows only",
            (rs, i) -> rs.getString(1),
            roomId)
        .stream()
        .findFirst();
  }

  void grant(String roomId, String messageId, Instant at) {
    jdbc.update(
        "update relay_room set turn_holder = ?, turn_granted_at = ? where room_id = ?",
        messageId,
        utc(at),
        roomId);
    jdbc.update(
        "update relay_message set turn_state = 'HOLDING' where message_id = ?", messageId);
  }

  void clearHolder(String roomId) {
    jdbc.update(
        "update relay_room set turn_holder = null, turn_granted_at = null where room_id = ?",
        roomId);
  }

  void markPassed(String messageId) {
    jdbc.update(
        "update relay_message set turn_state = 'PASSED' where message_id = ? and turn_state <> 'PASSED'",
        messageId);
  }

  Optional<RoomView> view(String roomId) {
    return jdbc
        .query(
            "select r.room_id, r.last_sequence, r.turn_holder,"
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

  /** Rooms whose turn holder has no running delivery instance any more. */
  List<String> roomsWithVanishedHolder() {
    return jdbc.query(
        "select r.room_id from relay_room r where r.turn_holder is not null and not exists"
            + " (select 1 from act_ru_execution e where e.business_key_ = r.turn_holder"
            + " and e.proc_def_key_ = 'MessageDeliveryProcess')",
        (rs, i) -> rs.getString(1));
  }

  /** Rooms with messages waiting and nobody holding the turn: a hand-over that never happened. */
  List<String> roomsWaitingWithoutHolder() {
    return jdbc.query(
        "select distinct m.room_id from relay_message m join relay_room r on r.room_id = m.room_id"
            + " where m.turn_state = 'WAITING' and r.turn_holder is null",
        (rs, i) -> rs.getString(1));
  }

}
