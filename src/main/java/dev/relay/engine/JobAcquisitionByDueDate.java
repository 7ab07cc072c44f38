package dev.relay.engine;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.impl.cfg.AbstractProcessEnginePlugin;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.db.sql.DbSqlSessionFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Makes acquiring jobs by due date (application.yml: every job gets a due date, acquisition
 * orders by it) fast and safe. Open rooms and resends keep timers for hours or days (ACK gate,
 * resend, idle wait), so the job table holds far more future timers than due jobs; without an
 * index on the due date each acquisition reads them all. And an acquisition that relies on due
 * dates no longer looks at jobs without one: jobs created before the setting was on (an upgraded
 * database) get theirs here, or they would never run.
 *
 * <p>On PostgreSQL a second, partial index holds only the locked exclusive jobs. Acquisition skips
 * a job whose instance has one of them running; PostgreSQL answers that by collecting them first,
 * which without the index is a scan of the whole job table. The table churns (a dispatch job and
 * a gate timer inserted and deleted per message) and carries tens of thousands of dead rows between
 * two vacuums: on a node behind, which acquires often, that scan made acquisition PostgreSQL's
 * costliest statement (docs/benchmarks.md, session 21). H2 has no partial indexes.
 *
 * <p>The engine creates its own tables, so this runs once they exist, not in Flyway.
 */
@Component
class JobAcquisitionByDueDate extends AbstractProcessEnginePlugin {

  private static final Logger log = LoggerFactory.getLogger(JobAcquisitionByDueDate.class);

  static final String INDEX = "relay_job_due_date";
  static final String LOCKS_INDEX = "relay_job_exclusive_lock";

  @Override
  public void postProcessEngineBuild(ProcessEngine engine) {
    // read here, not in preInit: the starter's own plugin sets the data source in its preInit
    ProcessEngineConfigurationImpl configuration =
        (ProcessEngineConfigurationImpl) engine.getProcessEngineConfiguration();
    try (Connection connection = configuration.getDataSource().getConnection();
        Statement statement = connection.createStatement()) {
      statement.execute("create index if not exists " + INDEX + " on act_ru_job (duedate_)");
      if (DbSqlSessionFactory.POSTGRES.equals(configuration.getDatabaseType())) {
        statement.execute("create index if not exists " + LOCKS_INDEX
            + " on act_ru_job (lock_exp_time_) where lock_owner_ is not null and exclusive_");
      }
      if (configuration.isEnsureJobDueDateNotNull()) {
        int dated = statement.executeUpdate(
            "update act_ru_job set duedate_ = current_timestamp where duedate_ is null");
        if (dated > 0) {
          log.info("gave {} jobs without a due date one, so that acquisition finds them", dated);
        }
      }
      if (!connection.getAutoCommit()) {
        connection.commit();
      }
    } catch (SQLException e) {
      // e.g. another node doing the same at this moment: acquisition works meanwhile, only slower
      log.warn("could not prepare job acquisition by due date: {}", e.getMessage());
    }
  }
}
