package dev.relay.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relay.support.DeliveryIntegrationTest;
import dev.relay.support.WebhookClient;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

/**
 * A job due at once runs on the node whose transaction created it, after that commit, not when
 * acquisition finds it: here acquisition takes nothing at all, and a room still sends its first
 * message (its dispatch job created by intake) and, after that one's ACK, its second (created by
 * the webhook's transaction).
 */
@TestPropertySource(properties = "camunda.bpm.job-execution.max-jobs-per-acquisition=0")
class JobsRunWhereCreatedIT extends DeliveryIntegrationTest {

  @Test
  void dispatchesCreatedByIntakeAndByTheAck_runWithoutAcquisition() {
    String room = newId("room");
    String first = newId("local-job");
    String second = newId("local-job");
    api.send(newMessageOn(PATIENT_CHANNEL, first, room, "dispatched after intake's commit", null));
    api.send(newMessageOn(PATIENT_CHANNEL, second, room, "dispatched after the ACK's commit", null));

    awaitRoomWaitsForReport(room, first);
    assertThat(provider.calls(first)).hasSize(1);
    assertThat(provider.calls(second)).isEmpty();

    assertThat(webhookOf(PATIENT_CHANNEL).send(WebhookClient.delivered(first))).isEqualTo(200);
    awaitRoomWaitsForReport(room, second);
    assertThat(provider.calls(second)).hasSize(1);
    assertThat(management.createJobQuery().processInstanceId(roomInstance(room).getId()).list())
        .as("only the ACK gate's timer: no dispatch job left for acquisition")
        .singleElement()
        .satisfies(job -> assertThat(job.getDuedate()).isAfter(provider.calls(second).get(0).getLoggedDate()));
  }
}
