package dev.relay.engine;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.impl.cfg.AbstractProcessEnginePlugin;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
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
 * <p>The engine creates its own tables, so this runs once they exist, not in Flyway.
 */
@Component
class JobAcquisitionByDueDate extends AbstractProcessEnginePlugin {

  private static final Logger log = LoggerFactory.getLogger(JobAcquisitionByDueDate.class);

  static final String INDEX = "relay_job_due_date";

  @Override
  public void postProcessEngineBuild(ProcessEngine engine) {
    // read here, not in preInit: the starter's own plugin sets the data source in its preInit
    ProcessEngineConfigurationImpl configuration =
        (ProcessEngineConfigurationImpl) engine.getProcessEngineConfiguration();
    try (Connection connection = configuration.getDataSource().getConnection();
        Statement statement = connection.createStatement()) {
      statement.execute("create index if not exists " + INDEX + " on act_ru_job (duedate_)");
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
