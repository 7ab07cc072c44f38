package dev.relay.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relay.support.DeliveryIntegrationTest;
import java.util.UUID;
import org.camunda.bpm.engine.runtime.Job;
import org.camunda.bpm.engine.runtime.ProcessInstance;
import org.junit.jupiter.api.Test;

/** The running engine takes its ids from {@link TimeOrderedIds}, not the starter's generator. */
class TimeOrderedIdsIT extends DeliveryIntegrationTest {

  @Test
  void aRoomsInstanceAndItsGateTimer_haveTimeOrderedIds() {
    String room = newId("room");
    String message = newId("ids");
    api.send(newMessageOn(PATIENT_CHANNEL, message, room, "ids in time order", null));
    awaitRoomWaitsForReport(room, message);

    ProcessInstance instance = roomInstance(room);
    Job gate = single(management.createJobQuery().processInstanceId(instance.getId()).list());
    assertThat(UUID.fromString(instance.getId()).version()).isEqualTo(7);
    assertThat(gate.getId()).as("created after the instance").isGreaterThan(instance.getId());
  }
}
