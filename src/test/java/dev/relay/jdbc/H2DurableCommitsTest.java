package dev.relay.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.SQLException;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.JdbcTemplate;

class H2DurableCommitsTest {

  @TempDir Path dir;

  @Test
  void anH2FileDatabase_keepsWritingEveryCommitAtOnce_whateverUrlOpensItNext() throws SQLException {
    String file = dir.resolve("relay").toString();
    new H2DurableCommits(h2("jdbc:h2:file:" + file + ";DB_CLOSE_DELAY=0")).afterPropertiesSet();

    // opened again, as a user's own URL would, without any setting of its own
    assertThat(writeDelayOf(h2("jdbc:h2:file:" + file))).isEqualTo("0");
  }

  @Test
  void byDefault_H2WritesCommitsLater() {
    assertThat(writeDelayOf(h2("jdbc:h2:file:" + dir.resolve("untouched")))).isEqualTo("500");
  }

  private static JdbcDataSource h2(String url) {
    JdbcDataSource dataSource = new JdbcDataSource();
    dataSource.setURL(url);
    dataSource.setUser("sa");
    return dataSource;
  }

  /**
   * The delay the database works with: H2 lists it first, then the default of its settings under
   * the same name.
   */
  private static String writeDelayOf(JdbcDataSource dataSource) {
    return new JdbcTemplate(dataSource)
        .queryForList(
            "select setting_value from information_schema.settings where setting_name = 'WRITE_DELAY'",
            String.class)
        .get(0);
  }
}
