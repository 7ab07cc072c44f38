package dev.relay.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.stereotype.Component;

/**
 * Makes every commit on H2 reach the database file before it returns. H2 writes commits up to
 * {@code WRITE_DELAY} (500 ms by default) later, so a message answered 202 could be gone after a
 * kill -9 and restart. The setting is stored in the database file: it holds whatever URL starts
 * the next node. PostgreSQL needs nothing, its commits are durable.
 */
@Component
class H2DurableCommits implements InitializingBean {

  private final DataSource dataSource;

  H2DurableCommits(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  @Override
  public void afterPropertiesSet() throws SQLException {
    try (Connection connection = dataSource.getConnection()) {
      if (!"H2".equals(connection.getMetaData().getDatabaseProductName())) {
        return;
      }
      try (Statement statement = connection.createStatement()) {
        statement.execute("SET WRITE_DELAY 0");
      } catch (SQLException e) {
        throw new SQLException(
            "H2 would write commits to disk up to 500 ms late, losing accepted messages on a crash;"
                + " Relay's database user needs the right to SET WRITE_DELAY 0",
            e);
      }
    }
  }
}
