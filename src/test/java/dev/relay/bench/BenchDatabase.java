package dev.relay.bench;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The one PostgreSQL of the benchmark: zonky's embedded server with settings for a benchmark, or
 * a running local server. Either way Relay gets a fresh database of its own.
 */
final class BenchDatabase implements AutoCloseable {

  static final String DATABASE = "relay_bench";

  /**
   * Server settings of the embedded PostgreSQL. Durability stays on (zonky switches fsync and
   * synchronous_commit off for tests): a benchmark of a system that promises "nothing is lost"
   * must pay for its commits.
   */
  static final Map<String, String> EMBEDDED_SETTINGS = new LinkedHashMap<>();

  static {
    EMBEDDED_SETTINGS.put("max_connections", "200");
    EMBEDDED_SETTINGS.put("shared_buffers", "256MB");
    EMBEDDED_SETTINGS.put("effective_cache_size", "1GB");
    EMBEDDED_SETTINGS.put("work_mem", "8MB");
    EMBEDDED_SETTINGS.put("maintenance_work_mem", "64MB");
    EMBEDDED_SETTINGS.put("wal_buffers", "16MB");
    EMBEDDED_SETTINGS.put("max_wal_size", "2GB");
    EMBEDDED_SETTINGS.put("checkpoint_timeout", "15min");
    EMBEDDED_SETTINGS.put("random_page_cost", "1.1");
    EMBEDDED_SETTINGS.put("fsync", "on");
    EMBEDDED_SETTINGS.put("synchronous_commit", "on");
    EMBEDDED_SETTINGS.put("full_page_writes", "on");
    // where the database's time goes, per statement: statements.csv
    EMBEDDED_SETTINGS.put("shared_preload_libraries", "pg_stat_statements");
    // and how much of it is planning (a statement planned on every execution shows it here)
    EMBEDDED_SETTINGS.put("pg_stat_statements.track_planning", "on");
    // what autovacuum did, and what it cost (postgres.log): it wakes once a minute
    EMBEDDED_SETTINGS.put("log_autovacuum_min_duration", "0");
  }

  /** Settings worth printing with the figures, whichever server it is. */
  private static final String SHOWN =
      "'max_connections','shared_buffers','effective_cache_size','work_mem','wal_buffers',"
          + "'max_wal_size','checkpoint_timeout','fsync','synchronous_commit','full_page_writes'";

  private final EmbeddedPostgres embedded; // null for a local server
  private final String url;
  private final String user;
  private final String password;
  private final Set<String> given; // --pg-settings: shown with the figures too

  private BenchDatabase(
      EmbeddedPostgres embedded, String url, String user, String password, Set<String> given) {
    this.embedded = embedded;
    this.url = url;
    this.user = user;
    this.password = password;
    this.given = given;
  }

  static BenchDatabase start(Options options) throws IOException, SQLException {
    if (options.pg() == Options.Pg.LOCAL) {
      try (Connection admin =
              DriverManager.getConnection(options.pgUrl(), options.pgUser(), options.pgPassword());
          Statement s = admin.createStatement()) {
        s.execute("drop database if exists " + DATABASE + " with (force)");
        s.execute("create database " + DATABASE);
      }
      String url = options.pgUrl().replaceFirst("/[^/?]*(\\?|$)", "/" + DATABASE + "$1");
      return new BenchDatabase(null, url, options.pgUser(), options.pgPassword(), Set.of());
    }
    EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
        .setOutputRedirector(ProcessBuilder.Redirect.appendTo(
            options.out().resolve("postgres.log").toFile()))
        .setErrorRedirector(ProcessBuilder.Redirect.appendTo(
            options.out().resolve("postgres.log").toFile()));
    EMBEDDED_SETTINGS.forEach(builder::setServerConfig);
    options.pgSettings().forEach(builder::setServerConfig);
    EmbeddedPostgres postgres = builder.start();
    try (Connection admin = postgres.getPostgresDatabase().getConnection();
        Statement s = admin.createStatement()) {
      s.execute("create database " + DATABASE);
    }
    return new BenchDatabase(
        postgres, postgres.getJdbcUrl("postgres", DATABASE).replaceFirst("\\?user=.*", ""),
        "postgres", "", options.pgSettings().keySet());
  }

  String url() {
    return url;
  }

  String user() {
    return user;
  }

  String password() {
    return password;
  }

  Connection connect() throws SQLException {
    return DriverManager.getConnection(url, user, password);
  }

  /** Version and where it runs. */
  String describe() throws SQLException {
    try (Connection c = connect(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("show server_version")) {
      rs.next();
      return "PostgreSQL " + rs.getString(1) + (embedded == null ? " (local server, " + url + ")"
          : " (embedded, zonky, port " + embedded.getPort() + ")");
    }
  }

  /** The settings that matter for the figures, as the server reports them. */
  Map<String, String> settings() throws SQLException {
    Map<String, String> settings = new LinkedHashMap<>();
    try (Connection c = connect(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(
            "select name, current_setting(name) from pg_settings where name in (" + SHOWN
                + given.stream().map(name -> ",'" + name + "'").collect(Collectors.joining())
                + ") order by name")) {
      while (rs.next()) {
        settings.put(rs.getString(1), rs.getString(2));
      }
    }
    return settings;
  }

  /**
   * The postmaster: the parent of a backend. Its descendants are all of the server's processes
   * (the server must run on this machine, as both modes do).
   */
  ProcessHandle postmaster() throws SQLException {
    try (Connection c = connect(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("select pg_backend_pid()")) {
      rs.next();
      long backend = rs.getLong(1);
      return ProcessHandle.of(backend)
          .flatMap(ProcessHandle::parent)
          .orElseThrow(() -> new IllegalStateException("no postmaster above backend " + backend));
    }
  }

  /**
   * Table name → its row writes so far. An insert, and an update not made in place (HOT), write an
   * entry in each of the table's indexes.
   */
  static Map<String, TableWrites> tableWrites(Connection c) throws SQLException {
    Map<String, TableWrites> tables = new LinkedHashMap<>();
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(
            "select relname, n_tup_ins, n_tup_upd, n_tup_hot_upd, n_tup_del,"
                + " (select count(*) from pg_index i where i.indrelid = t.relid)"
                + " from pg_stat_user_tables t")) {
      while (rs.next()) {
        tables.put(rs.getString(1), new TableWrites(
            rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5), rs.getInt(6)));
      }
    }
    return tables;
  }

  /** What {@link #tableWrites} counted between two readings, per message, as CSV rows. */
  static List<String> tableWritesPerMessage(
      Map<String, TableWrites> before, Map<String, TableWrites> after, long messages) {
    double n = Math.max(1, messages);
    List<String> rows = new ArrayList<>();
    rows.add("table,inserted,updated,updated_in_place,deleted,indexes");
    after.entrySet().stream()
        .map(e -> Map.entry(e.getKey(), e.getValue().minus(
            before.getOrDefault(e.getKey(), new TableWrites(0, 0, 0, 0, 0)))))
        .filter(e -> e.getValue().rows() > 0)
        .sorted(Comparator.comparingLong(e -> -e.getValue().rows())) // the busiest first
        .forEach(e -> {
          TableWrites d = e.getValue();
          rows.add(String.format(Locale.ROOT, "%s,%.3f,%.3f,%.3f,%.3f,%d", e.getKey(),
              d.inserted / n, d.updated / n, d.updatedInPlace / n, d.deleted / n, d.indexes));
        });
    return rows;
  }

  record TableWrites(long inserted, long updated, long updatedInPlace, long deleted, int indexes) {
    TableWrites minus(TableWrites before) {
      return new TableWrites(inserted - before.inserted, updated - before.updated,
          updatedInPlace - before.updatedInPlace, deleted - before.deleted, indexes);
    }

    long rows() {
      return inserted + updated + deleted;
    }
  }

  /** Table name → bytes with its indexes and TOAST, the largest first. */
  static Map<String, Long> largestTables(Connection c, int limit) throws SQLException {
    Map<String, Long> tables = new LinkedHashMap<>();
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(
            "select relname, pg_total_relation_size(oid) from pg_class where relkind = 'r'"
                + " and relnamespace = 'public'::regnamespace order by 2 desc limit " + limit)) {
      while (rs.next()) {
        tables.put(rs.getString(1), rs.getLong(2));
      }
    }
    return tables;
  }

  /**
   * Starts counting statements from zero, when pg_stat_statements is loaded (always in the
   * embedded server; a local server needs it in shared_preload_libraries).
   *
   * @return whether it is
   */
  static boolean resetStatements(Connection c) {
    try (Statement s = c.createStatement()) {
      s.execute("create extension if not exists pg_stat_statements");
      s.execute("select pg_stat_statements_reset()");
      return true;
    } catch (SQLException notLoaded) {
      return false;
    }
  }

  /** The statements that took the most time since {@link #resetStatements}, as CSV rows. */
  static List<String> topStatements(Connection c, int limit) throws SQLException {
    List<String> rows = new ArrayList<>();
    rows.add("total_ms,calls,mean_ms,rows,plan_ms,plans,wal_kb,wal_fpi,statement");
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(
            "select total_exec_time, calls, mean_exec_time, rows, total_plan_time, plans,"
                + " wal_bytes / 1024.0, wal_fpi, query"
                + " from pg_stat_statements"
                + " where dbid = (select oid from pg_database where datname = current_database())"
                + " order by total_exec_time + total_plan_time desc limit " + limit)) {
      while (rs.next()) {
        String statement = rs.getString(9).replaceAll("\\s+", " ").replace("\"", "\"\"");
        rows.add(String.format(Locale.ROOT, "%.1f,%d,%.3f,%d,%.1f,%d,%.0f,%d,\"%s\"",
            rs.getDouble(1), rs.getLong(2), rs.getDouble(3), rs.getLong(4), rs.getDouble(5),
            rs.getLong(6), rs.getDouble(7), rs.getLong(8), statement));
      }
    }
    return rows;
  }

  /**
   * What the database has done so far: Relay's statements (pg_stat_statements since {@link
   * #resetStatements}, without transaction control, settings and the harness's own pg_* queries),
   * committed transactions (read-only ones included), WAL flushes, and the WAL written: its bytes
   * and how many of its records were whole pages (the first change of a page after a checkpoint).
   */
  static Activity activity(Connection c) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(
            "select (select coalesce(sum(calls), 0) from pg_stat_statements"
                + "   where dbid = (select oid from pg_database where datname = current_database())"
                + "   and query !~* '^\\s*(begin|commit|rollback|set|show|select pg_|create extension)'"
                + "   and query !~* 'pg_stat|pg_database|pg_class|pg_settings'),"
                + " (select xact_commit from pg_stat_database where datname = current_database()),"
                + " (select wal_sync from pg_stat_wal),"
                + " (select wal_bytes from pg_stat_wal),"
                + " (select wal_fpi from pg_stat_wal)")) {
      rs.next();
      return new Activity(
          rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5));
    }
  }

  /** Counters of {@link #activity}; {@link #minus} gives what happened between two readings. */
  record Activity(long statements, long commits, long walSyncs, long walBytes, long walPages) {
    Activity minus(Activity before) {
      return new Activity(statements - before.statements, commits - before.commits,
          walSyncs - before.walSyncs, walBytes - before.walBytes, walPages - before.walPages);
    }

    String perMessage(long messages) {
      double n = Math.max(1, messages);
      return String.format(Locale.ROOT,
          "per delivered message: %.1f statements, %.2f commits (read-only included), %.2f WAL flushes,"
              + " %.1f kB of WAL with %.2f whole pages"
              + " (%d messages; %d statements, %d commits, %d WAL flushes, %d MB of WAL)",
          statements / n, commits / n, walSyncs / n, walBytes / n / 1024, walPages / n, messages,
          statements, commits, walSyncs, walBytes >> 20);
    }
  }

  static long size(Connection c) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("select pg_database_size(current_database())")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Override
  public void close() throws IOException {
    if (embedded != null) {
      embedded.close();
    }
  }
}
