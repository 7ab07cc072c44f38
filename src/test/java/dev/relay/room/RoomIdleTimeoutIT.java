package dev.relay.room;

import static dev.relay.support.WebhookClient.delivered;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.util.List;
import org.camunda.bpm.engine.history.HistoricProcessInstance;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.TestPropertySource;

/**
 * A room's instance waits idle for its next message only {@code relay.rooms.idle-timeout} (short
 * here), then ends; the room's next message starts a new instance. On H2; the races around the
 * timeout are {@link RoomIdleRacePostgresIT}'s.
 */
@TestPropertySource(properties = "relay.rooms.idle-timeout=PT1S")
@DirtiesContext // the only context with this idle timeout
class RoomIdleTimeoutIT extends RoomIntegrationTest {

  @Test
  void idleRoomInstanceEndsAfterTheIdleTimeout_nextMessageStartsANewOne() {
    String room = newId("sleepy");
    String first = room + "-m1";
    String second = room + "-m2";
    assertThat(api.send(message(first, room, HOLDING_CHANNEL)).getStatusCode())
        .isEqualTo(HttpStatus.ACCEPTED);
    eventually().until(() -> activeActivities(roomInstance(room)), equalTo(List.of("Task_AwaitDeliveryReport")));
    String firstInstance = roomInstance(room).getId();
    assertThat(callbacks(HOLDING_CHANNEL).send(delivered(first))).isEqualTo(200);

    eventually().until(() -> roomInstance(room) == null);

    HistoricProcessInstance ended =
        history.createHistoricProcessInstanceQuery().processInstanceId(firstInstance).singleResult();
    assertThat(ended.getEndActivityId()).isEqualTo("EndEvent_RoomIdle");
    assertThat(passedActivities(firstInstance))
        .containsSubsequence("Task_DispatchMessage", "Task_AwaitDeliveryReport", "Task_TakeNextMessage",
            "Timer_RoomIdle", "EndEvent_RoomIdle")
        .doesNotContain("Task_AwaitNextMessage"); // left by its timer, not by a message
    assertRoomView(room, null, 0, 1);

    assertThat(api.send(message(second, room, HOLDING_CHANNEL)).getStatusCode())
        .isEqualTo(HttpStatus.ACCEPTED);

    eventually().until(() -> provider.calls(second).size(), equalTo(1));
    eventually().until(() -> activeActivities(roomInstance(room)), equalTo(List.of("Task_AwaitDeliveryReport")));
    assertThat(roomInstance(room).getId()).isNotEqualTo(firstInstance);
    assertThat(currentMessage(room)).isEqualTo(second);
    assertThat(instanceCount(RoomDeliveryProcess.KEY, room)).isEqualTo(2);
    assertThat(api.events(second)).containsExactly("ACCEPTED", "TURN_GRANTED", "DISPATCHED");
    assertThat(providerCallsOfRoom(room)).containsExactly(first, second);
    assertRoomView(room, second, 0, 1);
  }
}
