package dev.relay.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relay.support.DeliveryIntegrationTest;
import dev.relay.support.WebhookClient;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.runtime.Job;
import org.camunda.bpm.engine.runtime.ProcessInstance;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Job acquisition by due date (JobAcquisitionByDueDate, application.yml): every job the room and
 * resend instances create has a due date, a job without one (from before the setting) gets one at
 * start, and the index that serves acquisition exists. Run on H2 and on PostgreSQL by the
 * subclasses.
 */
abstract class JobAcquisitionScenarios extends DeliveryIntegrationTest {

  @Autowired private JobAcquisitionByDueDate plugin;
  @Autowired private ProcessEngine engine;

  @Test
  void waitingRoomsAndResends_haveOnlyJobsWithDueDates() {
    String acked = newId("due-date");
    String unacked = newId("due-date");
    String busyRoom = newId("room");
    String idleRoom = newId("room");
    api.send(newMessageOn(PATIENT_CHANNEL, acked, busyRoom, "ACK comes later", null));
    api.send(newMessageOn(RESEND_CHANNEL, unacked, idleRoom, "no ACK before the gate", null));

    // a room that waits for its message's ACK: the gate is a timer
    awaitRoomWaitsForReport(busyRoom, acked);
    assertThat(jobsOf(roomInstance(busyRoom))).singleElement().satisfies(job -> assertThat(job.getDuedate()).isNotNull());
    assertThat(jobsAt(roomInstance(busyRoom), "Timer_AckGateTimeout")).isEqualTo(1);

    // a room that waits for its next message, and a message that waits for its next resend
    awaitResendWaitsForReport(unacked, 2);
    awaitRoomIdle(idleRoom);
    assertThat(jobsOf(roomInstance(idleRoom))).singleElement().satisfies(job -> assertThat(job.getDuedate()).isNotNull());
    assertThat(jobsAt(roomInstance(idleRoom), "Timer_RoomIdle")).isEqualTo(1);
    assertThat(jobsOf(resendInstance(unacked))).singleElement().satisfies(job -> assertThat(job.getDuedate()).isNotNull());
    assertThat(jobsAt(resendInstance(unacked), "Timer_ResendDue")).isEqualTo(1);

    assertThat(webhookOf(PATIENT_CHANNEL).send(WebhookClient.delivered(acked))).isEqualTo(200);
    assertThat(webhookOf(RESEND_CHANNEL).send(WebhookClient.delivered(unacked))).isEqualTo(200);
  }

  @Test
  void aJobWithoutDueDate_getsOneAtStart_soThatAcquisitionFindsIt() {
    String id = newId("no-due-date");
    String room = newId("room");
    api.send(newMessageOn(PATIENT_CHANNEL, id, room, "ACKed at once", null));
    awaitRoomWaitsForReport(room, id);
    assertThat(webhookOf(PATIENT_CHANNEL).send(WebhookClient.delivered(id))).isEqualTo(200);
    // the room waits for its next message: its idle timer is many seconds away, not acquired yet
    awaitRoomIdle(room);
    Job timer = single(jobsOf(roomInstance(room)));
    management.suspendJobById(timer.getId()); // out of the job executor's reach meanwhile
    jdbc.update("update act_ru_job set duedate_ = null where id_ = ?", timer.getId());

    plugin.postProcessEngineBuild(engine);

    Job dated = management.createJobQuery().jobId(timer.getId()).singleResult();
    assertThat(dated.getDuedate()).isNotNull().isBeforeOrEqualTo(new Date());
    management.activateJobById(timer.getId());
    // due now, it is acquired and runs: the idle room's instance ends
    patiently().until(() -> roomInstance(room) == null);
    assertThat(history.createHistoricProcessInstanceQuery()
            .processInstanceId(timer.getProcessInstanceId()).singleResult().getEndActivityId())
        .isEqualTo("EndEvent_RoomIdle");
  }

  @Test
  void theJobTableHasTheDueDateIndex() throws SQLException {
    assertThat(indexesOf("act_ru_job")).contains(JobAcquisitionByDueDate.INDEX);
  }

  private List<Job> jobsOf(ProcessInstance instance) {
    return management.createJobQuery().processInstanceId(instance.getId()).list();
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
