package dev.relay.engine;

import static dev.relay.delivery.MessageDeliveryProcess.MESSAGE_DELIVERY_ACKNOWLEDGED;
import static dev.relay.support.RelayApi.newMessage;
import static org.assertj.core.api.Assertions.assertThat;

import dev.relay.support.RelayIntegrationTest;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.camunda.bpm.engine.runtime.Job;
import org.junit.jupiter.api.Test;

/**
 * Job acquisition by due date (JobAcquisitionIndex, application.yml): every job a delivery
 * creates has a due date, and the index that serves acquisition exists. Run on H2 and on
 * PostgreSQL by the subclasses.
 */
abstract class JobAcquisitionScenarios extends RelayIntegrationTest {

  @Test
  void aDeliveryWaitingForItsAck_hasOnlyJobsWithDueDates() {
    String id = newId("due-date");
    api.send(newMessage(id, newId("room"), "no ACK yet", null));

    eventually().until(() -> waitsFor(id, MESSAGE_DELIVERY_ACKNOWLEDGED));

    List<Job> jobs = management.createJobQuery().processInstanceId(instance(id).getId()).list();
    assertThat(jobs).isNotEmpty(); // the ACK gate and the resend timer
    assertThat(jobs).allSatisfy(job -> assertThat(job.getDuedate()).isNotNull());
  }

  @Test
  void theJobTableHasTheDueDateIndex() throws SQLException {
    assertThat(indexesOf("act_ru_job")).contains("relay_job_due_date");
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
