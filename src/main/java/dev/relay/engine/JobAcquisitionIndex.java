package dev.relay.engine;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.impl.cfg.AbstractProcessEnginePlugin;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Lets job acquisition find the due jobs without reading the ones that are not due. Every open
 * delivery keeps timers for hours or days (ACK gate, resend, read wait), so the job table holds
 * far more future timers than due jobs; the engine's acquisition query, unordered and without an
 * index on the due date, reads them all each time. With every job given a due date and jobs
 * acquired by due date (application.yml), this index turns that into a short range scan.
 *
 * <p>The engine creates its own tables, so the index is added once they exist, not by Flyway.
 */
@Component
class JobAcquisitionIndex extends AbstractProcessEnginePlugin {

  private static final Logger log = LoggerFactory.getLogger(JobAcquisitionIndex.class);

  static final String CREATE =
      "create index if not exists relay_job_due_date on act_ru_job (duedate_)";

  @Override
  public void postProcessEngineBuild(ProcessEngine engine) {
    // read here, not in preInit: the starter's own plugin sets the data source in its preInit
    DataSource dataSource =
        ((ProcessEngineConfigurationImpl) engine.getProcessEngineConfiguration()).getDataSource();
    try (Connection connection = dataSource.getConnection();
        Statement statement = connection.createStatement()) {
      statement.execute(CREATE);
      if (!connection.getAutoCommit()) {
        connection.commit();
      }
    } catch (SQLException e) {
      // another node creating it at the same moment; acquisition works without it, only slower
      log.warn("could not create the job due-date index: {}", e.getMessage());
    }
  }
}
