package dev.relay.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relay.support.EmbeddedPostgresConfiguration;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.test.context.ActiveProfiles;

/** {@link JobAcquisitionScenarios} on PostgreSQL. */
@ActiveProfiles({"test", "postgres"})
@Import({EmbeddedPostgresConfiguration.class, JobAcquisitionPostgresIT.AcquisitionNoted.class})
class JobAcquisitionPostgresIT extends JobAcquisitionScenarios {

  /** The SQL of the job executor's acquisition, as the engine prepares it on this node. */
  private static final AtomicReference<String> ACQUISITION = new AtomicReference<>();

  /**
   * The engine's own acquisition query (whatever this engine version sends) can collect the
   * running exclusive jobs from the partial index: the index's predicate is implied by the query.
   * PostgreSQL plans it as the prepared statement it is, without its values (a generic plan), with
   * sequential scans off, as a test's few jobs would otherwise always be read whole.
   */
  @Test
  void acquisitionFindsTheRunningExclusiveJobsByTheLocksIndex() {
    patiently().until(() -> ACQUISITION.get() != null); // the job executor acquires every second
    String generic = numbered(ACQUISITION.get());
    List<String> plan = jdbc.execute((ConnectionCallback<List<String>>) connection -> {
      try (Statement s = connection.createStatement()) {
        s.execute("set plan_cache_mode = force_generic_plan");
        s.execute("set enable_seqscan = off");
        s.execute("prepare acquisition as " + generic);
        List<String> lines = new ArrayList<>();
        try (ResultSet rs = s.executeQuery(
            // its values: three instants (due, lock expired, lock running), the page
            "explain execute acquisition(now(), now(), now(), 16, 0)")) {
          while (rs.next()) {
            lines.add(rs.getString(1));
          }
        } finally {
          s.execute("deallocate acquisition");
          s.execute("reset enable_seqscan");
          s.execute("reset plan_cache_mode");
        }
        return lines;
      }
    });

    assertThat(plan).anySatisfy(line -> assertThat(line)
        .contains("Index Scan using " + JobAcquisitionByDueDate.LOCKS_INDEX + " on act_ru_job j2"));
  }

  /** JDBC's {@code ?} as PostgreSQL's {@code $1, $2, ...}, which {@code prepare} takes. */
  private static String numbered(String sql) {
    StringBuilder out = new StringBuilder();
    int n = 0;
    for (char c : sql.toCharArray()) {
      if (c == '?') {
        out.append('$').append(++n);
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  @TestConfiguration(proxyBeanMethods = false)
  static class AcquisitionNoted {

    @Bean
    static BeanPostProcessor acquisitionNoted() {
      return new BeanPostProcessor() {
        @Override
        public Object postProcessAfterInitialization(Object bean, String name) {
          if (!(bean instanceof DataSource dataSource) || !name.equals("dataSource")) {
            return bean;
          }
          return StatementsNoted.on(dataSource, sql -> {
            if (sql.contains("RES.LOCK_EXP_TIME_ <")) {
              ACQUISITION.compareAndSet(null, sql);
            }
          });
        }
      };
    }
  }
}
