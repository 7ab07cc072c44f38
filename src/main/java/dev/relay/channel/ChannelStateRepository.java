package dev.relay.channel;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import dev.relay.jdbc.Timestamps;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.SqlParameterValue;
import org.springframework.stereotype.Repository;

/** relay_channel: one row per channel, the lock under which its shared state changes. */
@Repository
class ChannelStateRepository {

  private static final String COLUMNS =
      "rate_limit, next_call_at, circuit, circuit_since, failures, trials, trial_successes";

  private final JdbcTemplate jdbc;

  ChannelStateRepository(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  /** The channel's row, with the configured rate limit; a duplicate key if it exists already. */
  void create(String name, Double configuredRateLimit, Instant now) {
    SqlParameterValue configured = new SqlParameterValue(Types.DOUBLE, configuredRateLimit);
    jdbc.update(
        "insert into relay_channel (name, rate_limit, configured_rate_limit, circuit_since)"
            + " select cast(? as varchar(64)), cast(? as double precision),"
            + " cast(? as double precision), ?"
            + " where not exists (select 1 from relay_channel where name = ?)",
        name,
        configured,
        configured,
        Timestamps.utc(now),
        name);
  }

  /**
   * A node started with another configured rate limit than the one last seen replaces the stored
   * limit: a changed setting wins over an older PATCH, an unchanged one does not.
   */
  void reconcile(String name, Double configuredRateLimit) {
    SqlParameterValue configured = new SqlParameterValue(Types.DOUBLE, configuredRateLimit);
    jdbc.update(
        "update relay_channel set rate_limit = ?, configured_rate_limit = ?"
            + " where name = ? and configured_rate_limit is distinct from cast(? as double precision)",
        configured,
        configured,
        name,
        configured);
  }

  Optional<ChannelState> find(String name) {
    return first("select " + COLUMNS + " from relay_channel where name = ?", name);
  }

  /** Reads the row under its lock, held until the transaction ends. */
  Optional<ChannelState> lock(String name) {
    return first("select " + COLUMNS + " from relay_channel where name = ? for update", name);
  }

  void save(String name, ChannelState state) {
    jdbc.update(
        "update relay_channel set rate_limit = ?, next_call_at = ?, circuit = ?, circuit_since = ?,"
            + " failures = ?, trials = ?, trial_successes = ? where name = ?",
        new SqlParameterValue(Types.DOUBLE, state.rateLimit()),
        state.nextCallAt(),
        state.circuit().name(),
        Timestamps.utc(state.circuitSince()),
        state.failures(),
        state.trials(),
        state.trialSuccesses(),
        name);
  }

  private Optional<ChannelState> first(String sql, Object... args) {
    List<ChannelState> found = jdbc.query(sql, ChannelStateRepository::state, args);
    return found.stream().findFirst();
  }

  private static ChannelState state(ResultSet rs, int row) throws SQLException {
    double rateLimit = rs.getDouble("rate_limit");
    return new ChannelState(
        rs.wasNull() ? null : rateLimit,
        rs.getLong("next_call_at"),
        Circuit.valueOf(rs.getString("circuit")),
        rs.getObject("circuit_since", OffsetDateTime.class).toInstant(),
        rs.getInt("failures"),
        rs.getInt("trials"),
        rs.getInt("trial_successes"));
  }
}
