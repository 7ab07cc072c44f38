package dev.relay.receipt;

import static dev.relay.jdbc.Timestamps.utc;

import dev.relay.receipt.ReadSync.PointerState;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;

/** relay_read_sync and its step log relay_read_sync_step. */
@Repository
class ReadSyncRepository {

  private static final String COLUMNS =
      "sync_id, user_id, device_id, room_id, up_to_sequence, status, pointer_state, pointer_before,"
          + " pointer_before_sync";

  private final JdbcTemplate jdbc;

  ReadSyncRepository(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  void insert(ReadSync sync, Instant at) {
    jdbc.update(
        "insert into relay_read_sync (sync_id, user_id, device_id, room_id, up_to_sequence, status,"
            + " created_at) values (?, ?, ?, ?, ?, ?, ?)",
        sync.syncId(),
        sync.userId(),
        sync.deviceId(),
        sync.roomId(),
        sync.upToSequence(),
        sync.status().name(),
        utc(at));
  }

  Optional<ReadSync> find(String syncId) {
    return jdbc
        .query("select " + COLUMNS + " from relay_read_sync where sync_id = ?", ReadSyncRepository::sync, syncId)
        .stream()
        .findFirst();
  }

  void recordPointer(String syncId, PointerState state, Long before, String beforeSync) {
    jdbc.update(
        "update relay_read_sync set pointer_state = ?, pointer_before = ?, pointer_before_sync = ?"
            + " where sync_id = ?",
        state.name(),
        before,
        beforeSync,
        syncId);
  }

  void updatePointerState(String syncId, PointerState state) {
    jdbc.update("update relay_read_sync set pointer_state = ? where sync_id = ?", state.name(), syncId);
  }

  /**
   * Takes a compensated sync out of the chain of pointer movers: the sync that moved the pointer
   * on from its value now restores to what the compensated one had replaced.
   */
  void bypass(String removedSyncId, Long before, String beforeSync) {
    jdbc.update(
        "update relay_read_sync set pointer_before = ?, pointer_before_sync = ?"
            + " where pointer_before_sync = ? and pointer_state = 'MOVED'",
        before,
        beforeSync,
        removedSyncId);
  }

  /** Sets the final status once; a repeated call changes nothing. */
  void finish(String syncId, SyncStatus status, Instant at) {
    jdbc.update(
        "update relay_read_sync set status = ?, finished_at = ? where sync_id = ? and status = 'RUNNING'",
        status.name(),
        utc(at),
        syncId);
  }

  void logStep(String syncId, String step, StepStatus status, String detail, Instant at) {
    jdbc.update(
        "insert into relay_read_sync_step (sync_id, step, status, at, detail) values (?, ?, ?, ?, ?)",
        syncId,
        step,
        status.name(),
        utc(at),
        detail == null || detail.length() <= 1024 ? detail : detail.substring(0, 1021) + "...");
  }

  int countSteps(String syncId, String step, StepStatus status) {
    Integer count =
        jdbc.queryForObject(
            "select count(*) from relay_read_sync_step where sync_id = ? and step = ? and status = ?",
            Integer.class,
            syncId,
            step,
            status.name());
    return count == null ? 0 : count;
  }

  /** The whole step log of a sync, oldest first. */
  List<StepEntry> steps(String syncId) {
    return jdbc.query(
        "select step, status, at from relay_read_sync_step where sync_id = ? order by id",
        (rs, i) ->
            new StepEntry(
                rs.getString(1),
                StepStatus.valueOf(rs.getString(2)),
                rs.getObject(3, OffsetDateTime.class).toInstant()),
        syncId);
  }

  private static ReadSync sync(ResultSet rs, int row) throws SQLException {
    String pointerState = rs.getString("pointer_state");
    return new ReadSync(
        rs.getString("sync_id"),
        rs.getString("user_id"),
        rs.getString("device_id"),
        rs.getString("room_id"),
        rs.getLong("up_to_sequence"),
        SyncStatus.valueOf(rs.getString("status")),
        pointerState == null ? null : PointerState.valueOf(pointerState),
        rs.getObject("pointer_before", Long.class),
        rs.getString("pointer_before_sync"));
  }

  record StepEntry(String step, StepStatus status, Instant at) {}
}
