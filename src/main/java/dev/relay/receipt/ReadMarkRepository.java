package dev.relay.receipt;

import static dev.relay.jdbc.Timestamps.utc;

import java.time.Instant;
import java.util.List;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/** Read positions: the origin devices' marks (relay_device_read_mark) and the cloud pointers. */
@Repository
class ReadMarkRepository {

  private final JdbcTemplate jdbc;
  private final TransactionTemplate ownTransaction;

  ReadMarkRepository(JdbcTemplate jdbc, PlatformTransactionManager transactions) {
    this.jdbc = jdbc;
    this.ownTransaction = new TransactionTemplate(transactions);
    this.ownTransaction.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
  }

  /** Records the sync's mark on its origin device, once. */
  void markIfAbsent(ReadSync sync, Instant at) {
    Integer marked =
        jdbc.queryForObject(
            "select count(*) from relay_device_read_mark where sync_id = ?", Integer.class, sync.syncId());
    if (marked != null && marked > 0) {
      return;
    }
    jdbc.update(
        "insert into relay_device_read_mark (sync_id, user_id, device_id, room_id, up_to_sequence,"
            + " marked_at) values (?, ?, ?, ?, ?, ?)",
        sync.syncId(),
        sync.userId(),
        sync.deviceId(),
        sync.roomId(),
        sync.upToSequence(),
        utc(at));
  }

  /** @return whether a mark was undone now (false: none, or undone before) */
  boolean undoMark(String syncId, Instant at) {
    return jdbc.update(
            "update relay_device_read_mark set undone_at = ? where sync_id = ? and undone_at is null",
            utc(at),
            syncId)
        > 0;
  }

  /** The user's cloud read pointer for the room; 0 when nothing was ever read. */
  long pointer(String userId, String roomId) {
    return jdbc
        .query(
            "select up_to_sequence from relay_cloud_read_pointer where user_id = ? and room_id = ?",
            (rs, i) -> rs.getLong(1),
            userId,
            roomId)
        .stream()
        .findFirst()
        .orElse(0L);
  }

  /** Reads the pointer under its row lock (creating it at 0), held until the transaction ends. */
  Pointer lockPointer(String userId, String roomId) {
    List<Pointer> found = selectForUpdate(userId, roomId);
    if (!found.isEmpty()) {
      return found.get(0);
    }
    createIfAbsent(userId, roomId);
    return selectForUpdate(userId, roomId).get(0);
  }

  void setPointer(String userId, String roomId, long upToSequence, String movedBySync, Instant at) {
    jdbc.update(
        "update relay_cloud_read_pointer set up_to_sequence = ?, moved_by_sync = ?, updated_at = ?"
            + " where user_id = ? and room_id = ?",
        upToSequence,
        movedBySync,
        utc(at),
        userId,
        roomId);
  }

  private List<Pointer> selectForUpdate(String userId, String roomId) {
    return jdbc.query(
        "select up_to_sequence, moved_by_sync from relay_cloud_read_pointer"
            + " where user_id = ? and room_id = ? for update",
        (rs, i) -> new Pointer(rs.getLong(1), rs.getString(2)),
        userId,
        roomId);
  }

  /**
   * In a transaction of its own: a losing concurrent insert fails there (PostgreSQL aborts the
   * whole transaction on a key violation), not in the caller's.
   */
  private void createIfAbsent(String userId, String roomId) {
    try {
      ownTransaction.executeWithoutResult(
          tx ->
              jdbc.update(
                  "insert into relay_cloud_read_pointer (user_id, room_id, up_to_sequence, updated_at)"
                      + " values (?, ?, 0, ?)",
                  userId,
                  roomId,
                  utc(Instant.now())));
    } catch (DuplicateKeyException createdMeanwhile) {
      // another sync created it first: just as good
    }
  }

  /** The pointer's value and the sync that set it (null: none, or none still in the chain). */
  record Pointer(long upToSequence, String movedBySync) {}
}
