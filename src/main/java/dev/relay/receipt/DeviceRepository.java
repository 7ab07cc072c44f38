package dev.relay.receipt;

import static dev.relay.jdbc.Timestamps.utc;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;

/** relay_device. */
@Repository
class DeviceRepository {

  private final JdbcTemplate jdbc;

  DeviceRepository(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  /**
   * Registers the device or moves it to a new push URL. Call it outside a transaction: each
   * statement commits alone, so a concurrent registration that wins the insert makes this one an
   * update instead of an error (PostgreSQL would abort a surrounding transaction).
   */
  void register(String userId, String deviceId, String pushUrl, Instant at) {
    if (update(userId, deviceId, pushUrl, at) > 0) {
      return;
    }
    try {
      jdbc.update(
          "insert into relay_device (user_id, device_id, push_url, registered_at, updated_at)"
              + " values (?, ?, ?, ?, ?)",
          userId,
          deviceId,
          pushUrl,
          utc(at),
          utc(at));
    } catch (DuplicateKeyException registeredMeanwhile) {
      update(userId, deviceId, pushUrl, at);
    }
  }

  private int update(String userId, String deviceId, String pushUrl, Instant at) {
    return jdbc.update(
        "update relay_device set push_url = ?, updated_at = ? where user_id = ? and device_id = ?",
        pushUrl,
        utc(at),
        userId,
        deviceId);
  }

  Optional<Device> find(String userId, String deviceId) {
    return jdbc
        .query(
            "select user_id, device_id, push_url from relay_device where user_id = ? and device_id = ?",
            (rs, i) -> new Device(rs.getString(1), rs.getString(2), rs.getString(3)),
            userId,
            deviceId)
        .stream()
        .findFirst();
  }

  /** The user's devices other than {@code exceptDeviceId}, in the order they were registered. */
  List<String> otherDevices(String userId, String exceptDeviceId) {
    return jdbc.query(
        "select device_id from relay_device where user_id = ? and device_id <> ?"
            + " order by registered_at, device_id",
        (rs, i) -> rs.getString(1),
        userId,
        exceptDeviceId);
  }
}
