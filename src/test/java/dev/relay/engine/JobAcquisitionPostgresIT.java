package dev.relay.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relay.support.EmbeddedPostgresConfiguration;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.test.context.ActiveProfiles;

/** {@link JobAcquisitionScenarios} on PostgreSQL. */
@ActiveProfiles({"test", "postgres"})
@Import(EmbeddedPostgresConfiguration.class)
class JobAcquisitionPostgresIT extends JobAcquisitionScenarios {

  /**
   * The engine's acquisition by due date (its {@code selectNextJobsToExecute} on PostgreSQL, as
   * pg_stat_statements records it) can collect the running exclusive jobs from the partial index:
   * its predicate is implied by the query. Sequential scans are switched off for the question, as
   * the test's few jobs would otherwise always be read whole.
   */
  @Test
  void acquisitionFindsTheRunningExclusiveJobsByTheLocksIndex() {
    String acquisition = """
        explain select RES.ID_, RES.REV_, RES.DUEDATE_, RES.PROCESS_INSTANCE_ID_, RES.EXCLUSIVE_
        from ACT_RU_JOB RES
        where (RES.RETRIES_ > 0) and ( RES.DUEDATE_ <= now() )
          and (RES.LOCK_OWNER_ is null or RES.LOCK_EXP_TIME_ < now())
          and RES.SUSPENSION_STATE_ = 1
          and ( ( RES.EXCLUSIVE_ = true and not exists(
                    select J2.ID_ from ACT_RU_JOB J2
                    where J2.PROCESS_INSTANCE_ID_ = RES.PROCESS_INSTANCE_ID_
                      and (J2.EXCLUSIVE_ = true)
                      and (J2.LOCK_OWNER_ is not null and J2.LOCK_EXP_TIME_ >= now()) ) )
                or RES.EXCLUSIVE_ = false )
        order by RES.DUEDATE_ asc LIMIT 16 OFFSET 0""";
    List<String> plan = jdbc.execute((ConnectionCallback<List<String>>) connection -> {
      try (Statement s = connection.createStatement()) {
        s.execute("set enable_seqscan = off");
        List<String> lines = new ArrayList<>();
        try (ResultSet rs = s.executeQuery(acquisition)) {
          while (rs.next()) {
            lines.add(rs.getString(1));
          }
        } finally {
          s.execute("reset enable_seqscan");
        }
        return lines;
      }
    });

    assertThat(plan).anySatisfy(line -> assertThat(line)
        .contains("Index Scan using " + JobAcquisitionByDueDate.LOCKS_INDEX + " on act_ru_job j2"));
  }
}
