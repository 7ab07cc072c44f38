package dev.relay.support;

import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.sql.DataSource;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;
import org.springframework.context.annotation.Profile;
import org.springframework.util.FileSystemUtils;

/**
 * A real PostgreSQL (zonky) that a test can stop and start again: same data directory, same port,
 * so the application's pool reconnects to it as to a database server that was down for a while.
 */
public final class RestartablePostgres implements AutoCloseable {

  private final Path data;
  private final int port;
  private EmbeddedPostgres server;

  public RestartablePostgres() throws IOException {
    data = Files.createTempDirectory("relay-restartable-pg");
    server = EmbeddedPostgres.builder()
        .setDataDirectory(data)
        .setCleanDataDirectory(false)
        .setRegisterShutdownHook(false)
        .start();
    port = server.getPort();
  }

  public String jdbcUrl() {
    return server.getJdbcUrl("postgres", "postgres");
  }

  /** Stops the server (fast shutdown: every session is ended). */
  public synchronized void stop() throws IOException {
    server.close();
  }

  /** Starts it again on its data directory and port. */
  public synchronized void start() throws IOException {
    server = EmbeddedPostgres.builder()
        .setDataDirectory(data)
        .setCleanDataDirectory(false)
        .setRegisterShutdownHook(false)
        .setPort(port)
        .start();
  }

  @Override
  public synchronized void close() throws IOException {
    server.close();
    FileSystemUtils.deleteRecursively(data);
  }

  /**
   * Profile {@value #PROFILE}: the application's data source on it. Connections are given up on
   * after a second, so that while the server is down a transaction fails soon instead of waiting
   * out the 30 s default. A profile, as nodes started without Spring's test support would scan it.
   */
  @TestConfiguration(proxyBeanMethods = false)
  @Profile(OnIt.PROFILE)
  public static class OnIt {

    public static final String PROFILE = "restartable-postgres";

    @Bean(destroyMethod = "close")
    RestartablePostgres restartablePostgres() throws IOException {
      return new RestartablePostgres();
    }

    @Bean
    @Primary
    DataSource dataSource(RestartablePostgres postgres) {
      HikariDataSource dataSource = new HikariDataSource();
      dataSource.setJdbcUrl(postgres.jdbcUrl());
      dataSource.setUsername("postgres");
      dataSource.setMaximumPoolSize(30);
      dataSource.setConnectionTimeout(1_000);
      return dataSource;
    }
  }
}
