package dev.relay.receipt;

import java.time.Instant;
import java.util.UUID;
import org.flywaydb.core.Flyway;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Relay's schema (the real Flyway migrations) in a fresh in-memory H2, for the domain classes'
 * tests without engine or Spring context.
 */
final class ReceiptDatabase {

  final JdbcTemplate jdbc;
  final DataSourceTransactionManager transactions;
  final TransactionTemplate tx;
  final ReadSyncRepository syncs;
  final ReadMarkRepository marks;
  final DeviceRepository devices;

  ReceiptDatabase() {
    DriverManagerDataSource dataSource =
        new DriverManagerDataSource("jdbc:h2:mem:receipts-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", "sa", "");
    Flyway.configure().dataSource(dataSource).load().migrate();
    this.jdbc = new JdbcTemplate(dataSource);
    this.transactions = new DataSourceTransactionManager(dataSource);
    this.tx = new TransactionTemplate(transactions);
    this.syncs = new ReadSyncRepository(jdbc);
    this.marks = new ReadMarkRepository(jdbc, transactions);
    this.devices = new DeviceRepository(jdbc);
  }

  ReadSync newSync(String syncId, String userId, String deviceId, String roomId, long upToSequence) {
    ReadSync sync =
        new ReadSync(syncId, userId, deviceId, roomId, upToSequence, SyncStatus.RUNNING, null, null, null);
    syncs.insert(sync, Instant.now());
    return sync;
  }

  void registerDevice(String userId, String deviceId, String pushUrl) {
    devices.register(userId, deviceId, pushUrl, Instant.now());
  }

  /** The origin device's read position: its highest mark not undone (0: none). */
  long deviceMark(String userId, String deviceId, String roomId) {
    Long mark =
        jdbc.queryForObject(
            "select max(up_to_sequence) from relay_device_read_mark"
                + " where user_id = ? and device_id = ? and room_id = ? and undone_at is null",
            Long.class,
            userId,
            deviceId,
            roomId);
    return mark == null ? 0 : mark;
  }
}
