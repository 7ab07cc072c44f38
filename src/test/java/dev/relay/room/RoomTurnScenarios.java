package dev.relay.room;

import static dev.relay.support.RelayApi.events;
import static dev.relay.support.WebhookClient.delivered;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.test.context.TestPropertySource;

/**
 * Issue 3 end to end on one node: concurrent intake into one room, the turn passed on when its
 * holder is cancelled from the engine REST API or repaired through the room API, and the ACK gate
 * timeout with a late ACK. Run on H2 and on PostgreSQL by the subclasses.
 */
// the scheduled repair stays out of the way: here only the repair call repairs
@TestPropertySource(properties = "relay.rooms.repair-interval=PT1H")
abstract class RoomTurnScenarios extends RoomIntegrationTest {

  @Test
  void twentyThreadsIntoOneRoom_sequencesAreExactlyOneToThousand() throws Exception {
    String room = newId("crowded");
    ExecutorService threads = Executors.newFixedThreadPool(20);
    List<Future<List<ResponseEntity<JsonNode>>>> perThread = new ArrayList<>();
    for (int t = 0; t < 20; t++) {
      String thread = room + "-t" + t;
      perThread.add(threads.submit(() -> {
        List<ResponseEntity<JsonNode>> answers = new ArrayList<>();
        for (int m = 0; m < 50; m++) {
          answers.add(api.send(message(thread + "-m" + m, room, HOLDING_CHANNEL)));
        }
        return answers;
      }));
    }
    List<ResponseEntity<JsonNode>> answers = new ArrayList<>();
    for (Future<List<ResponseEntity<JsonNode>>> thread : perThread) {
      answers.addAll(thread.get());
    }
    threads.shutdown();

    assertThat(answers).hasSize(1000)
        .allSatisfy(answer -> assertThat(answer.getStatusCode()).isEqualTo(HttpStatus.ACCEPTED));
    assertThat(answers.stream().map(answer -> answer.getBody().get("sequence").asLong()).sorted())
        .containsExactlyElementsOf(LongStream.rangeClosed(1, 1000).boxed().toList());
    String first =
        answers.stream()
            .map(ResponseEntity::getBody)
            .filter(view -> view.get("sequence").asLong() == 1)
            .findFirst()
            .orElseThrow()
            .get("messageId")
            .asText();
    JsonNode view = api.room(room).getBody();
    assertThat(view.get("lastSequence").asLong()).isEqualTo(1000);
    assertThat(view.get("turnHolder").asText()).isEqualTo(first);
    assertThat(view.get("waiting").asLong()).isEqualTo(999);
    eventually().until(() -> provider.callsStartingWith(room).size(), equalTo(1));
    assertThat(provider.callsStartingWith(room).get(0).getHeader("Idempotency-Key")).isEqualTo(first);
  }

  @Test
  void turnHolderCancelledThroughEngineRest_nextMessageIsDispatchedAndHoldsTheTurn() {
    Room room = roomWithHolderAndTwoWaiting();

    ResponseEntity<Void> deleted = deleteInstance(room.first(), false);

    assertThat(deleted.getStatusCode()).isEqualTo(HttpStatus.NO_CONTENT);
    eventually().until(() -> provider.calls(room.second()).size(), equalTo(1));
    JsonNode view = api.room(room.id()).getBody();
    assertThat(view.get("turnHolder").asText()).isEqualTo(room.second());
    assertThat(view.get("waiting").asLong()).isEqualTo(1);
    assertThat(api.events(room.first())).containsSubsequence("CANCELLED", "TURN_PASSED");
    // the provider's answer is recorded just after the call
    eventually().until(() -> api.status(room.second()), equalTo("DISPATCHED"));
    assertThat(api.events(room.second())).containsSubsequence("TURN_GRANTED", "DISPATCHED");
    assertThat(provider.calls(room.third())).isEmpty();
  }

  @Test
  void turnHolderCancelledWithoutListeners_roomStuckUntilRepairApi_thenNextGoes() {
    Room room = roomWithHolderAndTwoWaiting();

    assertThat(deleteInstance(room.first(), true).getStatusCode()).isEqualTo(HttpStatus.NO_CONTENT);

    // no end listener ran: the room still names the ended delivery as its turn holder
    assertThat(instance(room.first())).isNull();
    assertThat(api.room(room.id()).getBody().get("turnHolder").asText()).isEqualTo(room.first());
    assertThat(api.events(room.first())).doesNotContain("CANCELLED", "TURN_PASSED");

    ResponseEntity<JsonNode> repaired = repair(room.id());

    assertThat(repaired.getStatusCode()).isEqualTo(HttpStatus.OK);
    assertThat(repaired.getBody().get("turnHolder").asText()).isEqualTo(room.second());
    assertThat(repaired.getBody().get("waiting").asLong()).isEqualTo(1);
    eventually().until(() -> provider.calls(room.second()).size(), equalTo(1));
    assertThat(api.events(room.first())).contains("TURN_PASSED");
    assertThat(provider.calls(room.third())).isEmpty();
  }

  @Test
  void gateTimeoutPassesTheTurn_resendsGoOn_lateAckStopsThem_nextMessageUnaffected() {
    String room = newId("gated");
    String first = room + "-m1";
    String second = room + "-m2";

    api.send(message(first, room, GATED_CHANNEL));
    api.send(message(second, room, GATED_CHANNEL));

    // nobody ACKs the first message: after the gate the room moves on, and the first resends
    eventually().until(() -> attempts(second) >= 1 && attempts(first) >= 2);
    JsonNode firstView = api.message(first);
    assertThat(firstView.get("status").asText()).isEqualTo("DISPATCHED");
    assertThat(events(firstView))
        .containsSubsequence("TURN_GRANTED", "DISPATCHED", "ACK_GATE_TIMEOUT", "TURN_PASSED", "DISPATCHED")
        .doesNotContain("DELIVERED");
    assertThat(at(firstView, "ACK_GATE_TIMEOUT")).isBeforeOrEqualTo(at(api.message(second), "DISPATCHED"));

    // the late ACK of the first, after the second went
    assertThat(callbacks(GATED_CHANNEL).send(delivered(first))).isEqualTo(200);

    firstView = api.message(first);
    assertThat(firstView.get("status").asText()).isEqualTo("DELIVERED");
    assertThat(events(firstView)).endsWith("DELIVERED").doesNotContain("LATE_ACK");
    assertThat(activeActivities(first)).containsExactly("Gateway_AwaitRead");
    assertThat(jobsAt(first, "Timer_ResendDue") + jobsAt(first, "Task_DispatchMessage")).isZero();
    int callsOfFirst = provider.calls(first).size();
    eventually()
        .during(LAST_RESEND_DELAY.plusSeconds(1))
        .atMost(LAST_RESEND_DELAY.plusSeconds(10))
        .until(() -> provider.calls(first).size(), equalTo(callsOfFirst));
    // the second keeps its own course: not acknowledged, resending on its own schedule
    JsonNode secondView = api.message(second);
    assertThat(secondView.get("status").asText()).isEqualTo("DISPATCHED");
    assertThat(events(secondView)).doesNotContain("DELIVERED");
    assertThat(attempts(second)).isGreaterThanOrEqualTo(2);
    JsonNode roomView = api.room(room).getBody();
    assertThat(roomView.get("delivered").asLong()).isEqualTo(1);
    assertThat(roomView.get("waiting").asLong()).isZero();
  }

  /** Provider calls made for the message, as its view counts them. */
  int attempts(String messageId) {
    return api.message(messageId).get("attempts").asInt();
  }
}
