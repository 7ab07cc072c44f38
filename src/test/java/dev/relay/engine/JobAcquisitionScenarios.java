package dev.relay.engine;

import static dev.relay.support.RelayApi.newMessage;
import static org.assertj.core.api.Assertions.assertThat;

import dev.relay.support.RelayIntegrationTest;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.runtime.Job;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Job acquisition by due date (JobAcquisitionByDueDate, application.yml): every job a delivery
 * creates has a due date, a job without one (from before the setting) gets one at start, and the
 * index that serves acquisition exists. Run on H2 and on
 * PostgreSQL by the subclasses.
 */
abstract class JobAcquisitionScenarios extends RelayIntegrationTest {

  @Autowired private JobAcquisitionByDueDate plugin;
  @Autowired private ProcessEngine engine;

  @Test
  void aDeliveryWaitingForItsAck_hasOnlyJobsWithDueDates() {
    String id = newId("due-date");
    api.send(newMessage(id, newId("room"), "no ACK yet", null));

    eventually().until(() -> timers(id).size() == 2); // the ACK gate and the resend

    List<Job> jobs = management.createJobQuery().processInstanceId(instance(id).getId()).list();
    assertThat(jobs).hasSize(2);
    assertThat(jobs).allSatisfy(job -> assertThat(job.getDuedate()).isNotNull());
  }

  @Test
  void aJobWithoutDueDate_getsOneAtStart_soThatAcquisitionFindsIt() {
    String id = newId("no-due-date");
    api.send(newMessage(id, newId("room"), "no ACK yet", null));
    // dispatched: the ACK gate (1 s) and the resend (3 s) are waiting
    eventually().until(() -> timers(id).size() == 2);
    Job timer = timers(id).get(0); // the resend, seconds away: not acquired yet
    management.suspendJobById(timer.getId()); // out of the job executor's reach meanwhile
    jdbc.update("update act_ru_job set duedate_ = null where id_ = ?", timer.getId());

    plugin.postProcessEngineBuild(engine);

    Job dated = management.createJobQuery().jobId(timer.getId()).singleResult();
    assertThat(dated.getDuedate()).isNotNull().isBeforeOrEqualTo(new Date());
    management.activateJobById(timer.getId());
  }

  @Test
  void theJobTableHasTheDueDateIndex() throws SQLException {
    assertThat(indexesOf("act_ru_job")).contains(JobAcquisitionByDueDate.INDEX);
  }

  private List<Job> timers(String messageId) {
    return management.createJobQuery().processInstanceId(instance(messageId).getId()).timers()
        .orderByJobDuedate().desc().list();
  }

  private Set<String> indexesOf(String table) throws SQLException {
    Set<String> names = new HashSet<>();
    try (Connection c = jdbc.getDataSource().getConnection()) {
      for (String name : List.of(table, table.toUpperCase())) { // PostgreSQL folds to lower, H2 to upper
        try (ResultSet rs = c.getMetaData().getIndexInfo(null, null, name, false, false)) {
          while (rs.next()) {
            if (rs.getString("INDEX_NAME") != null) {
              names.add(rs.getString("INDEX_NAME").toLowerCase());
            }
          }
        }
      }
    }
    return names;
  }
}
