package dev.relay.room;

import static dev.relay.support.RelayApi.events;
import static dev.relay.support.WebhookClient.delivered;
import static dev.relay.support.WebhookClient.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.LongStream;
import org.camunda.bpm.engine.runtime.ProcessInstance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;

/**
 * A room's messages end to end on one node: one RoomDeliveryProcess instance per room takes them
 * one at a time in sequence order, the next after the previous one's ACK or after the ACK gate;
 * an idle room's instance is woken by the next message; a room instance cancelled from the engine
 * REST API loses and skips nothing; an instance started by hand beside the room's takes nothing.
 * Run on H2 and on PostgreSQL by the subclasses.
 */
abstract class RoomScenarios extends RoomIntegrationTest {

  @Test
  void twentyThreadsIntoOneRoom_sequencesAreExactlyOneToThousand_oneInstanceDispatchesTheFirst()
      throws Exception {
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
    // each thread sent one after the other: its messages hold the room's sequences in its order
    for (int t = 0; t < 20; t++) {
      assertThat(answers.subList(t * 50, t * 50 + 50))
          .extracting(answer -> answer.getBody().get("sequence").asLong())
          .isSorted();
    }
    String first =
        answers.stream()
            .map(ResponseEntity::getBody)
            .filter(view -> view.get("sequence").asLong() == 1)
            .findFirst()
            .orElseThrow()
            .get("messageId")
            .asText();
    assertThat(api.room(room).getBody().get("lastSequence").asLong()).isEqualTo(1000);
    eventually().until(() -> providerCallsOfRoom(room), equalTo(List.of(first)));
    eventually().until(() -> activeActivities(roomInstance(room)), equalTo(List.of("Task_AwaitDeliveryReport")));
    assertThat(currentMessage(room)).isEqualTo(first);
    assertRoomView(room, first, 999, 0);
    assertThat(instanceCount(RoomDeliveryProcess.KEY, room)).isEqualTo(1);
  }

  @Test
  void messagesGoOneAtATime_eachAfterThePreviousAck_allByOneInstance() {
    Room room = roomWithThreeMessagesFirstAwaitingAck();
    String instance = roomInstance(room.id()).getId();

    ackAndAwaitNext(room.id(), room.first(), room.second());
    assertRoomView(room.id(), room.second(), 1, 1);
    assertThat(provider.calls(room.third())).isEmpty();

    ackAndAwaitNext(room.id(), room.second(), room.third());
    assertRoomView(room.id(), room.third(), 0, 2);

    ack(room.third());
    eventually().until(() -> activeActivities(roomInstance(room.id())), equalTo(List.of("Task_AwaitNextMessage")));
    assertThat(currentMessage(room.id())).isNull();
    assertRoomView(room.id(), null, 0, 3);

    assertThat(roomInstance(room.id()).getId()).isEqualTo(instance);
    assertThat(instanceCount(RoomDeliveryProcess.KEY, room.id())).isEqualTo(1);
    assertThat(providerCallsOfRoom(room.id()))
        .containsExactly(room.first(), room.second(), room.third());
    for (String messageId : List.of(room.first(), room.second(), room.third())) {
      assertThat(api.events(messageId))
          .containsExactly("ACCEPTED", "TURN_GRANTED", "DISPATCHED", "DELIVERED");
      assertThat(resendInstance(messageId)).isNull();
    }
    // the turn of the next is granted only after the ACK of the previous
    assertThat(at(api.message(room.second()), "TURN_GRANTED"))
        .isAfterOrEqualTo(at(api.message(room.first()), "DELIVERED"));
    assertThat(at(api.message(room.third()), "TURN_GRANTED"))
        .isAfterOrEqualTo(at(api.message(room.second()), "DELIVERED"));
  }

  @Test
  void oneCallbackAcksTwoRooms_withSentAndADuplicate_bothRoomsMoveOnOnce() {
    Room a = roomWithThreeMessagesFirstAwaitingAck();
    Room b = roomWithThreeMessagesFirstAwaitingAck();

    // a provider that batches its callbacks: both sent, both ACKs, one ACK twice
    assertThat(
            callbacks(HOLDING_CHANNEL)
                .send(
                    status(a.first(), "sent"), status(b.first(), "sent"), delivered(b.first()),
                    delivered(a.first()), delivered(b.first())))
        .isEqualTo(200);

    for (Room room : List.of(a, b)) {
      eventually().until(() -> currentMessage(room.id()), equalTo(room.second()));
      eventually().until(() -> activeActivities(roomInstance(room.id())), equalTo(List.of("Task_AwaitDeliveryReport")));
      assertThat(api.status(room.first())).isEqualTo("DELIVERED");
      assertThat(api.events(room.first()))
          .containsExactly("ACCEPTED", "TURN_GRANTED", "DISPATCHED", "DELIVERED");
      assertThat(providerCallsOfRoom(room.id())).containsExactly(room.first(), room.second());
      assertRoomView(room.id(), room.second(), 1, 1);
    }
  }

  @Test
  void idleRoom_waitsForTheNextMessage_whichWakesTheSameInstance() {
    String room = newId("idle");
    String first = room + "-m1";
    String second = room + "-m2";
    api.send(message(first, room, HOLDING_CHANNEL));
    eventually().until(() -> currentMessage(room), equalTo(first));
    eventually().until(() -> activeActivities(roomInstance(room)), equalTo(List.of("Task_AwaitDeliveryReport")));
    ack(first);
    eventually().until(() -> activeActivities(roomInstance(room)), equalTo(List.of("Task_AwaitNextMessage")));
    ProcessInstance idle = roomInstance(room);
    assertThat(currentMessage(room)).isNull();
    assertThat(runtime.getVariable(idle.getId(), RoomDeliveryProcess.VAR_CHANNEL)).isNull();
    assertRoomView(room, null, 0, 1);

    assertThat(api.send(message(second, room, HOLDING_CHANNEL)).getStatusCode())
        .isEqualTo(HttpStatus.ACCEPTED);

    eventually().until(() -> provider.calls(second).size(), equalTo(1));
    eventually().until(() -> activeActivities(roomInstance(room)), equalTo(List.of("Task_AwaitDeliveryReport")));
    assertThat(roomInstance(room).getId()).isEqualTo(idle.getId());
    assertThat(currentMessage(room)).isEqualTo(second);
    assertThat(instanceCount(RoomDeliveryProcess.KEY, room)).isEqualTo(1);
    assertThat(passedActivities(idle.getId())).contains("Task_AwaitNextMessage");
    assertThat(api.events(second)).containsExactly("ACCEPTED", "TURN_GRANTED", "DISPATCHED");
    assertRoomView(room, second, 0, 1);
  }

  @Test
  void gateTimeout_roomMovesOn_resendsGoOn_lateAckStopsThem_roomUnaffected() {
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
        .containsSubsequence("TURN_GRANTED", "DISPATCHED", "ACK_GATE_TIMEOUT", "DISPATCHED")
        .doesNotContain("DELIVERED");
    assertThat(at(firstView, "ACK_GATE_TIMEOUT")).isBeforeOrEqualTo(at(api.message(second), "TURN_GRANTED"));
    assertThat(resendInstance(first)).isNotNull();
    assertThat(provider.calls(first)).allSatisfy(call ->
        assertThat(call.getHeader("Idempotency-Key")).isEqualTo(first));
    // the second is not ACKed either: it goes its own way after its gate, and the room idles
    eventually().until(() -> resendInstance(second) != null);
    eventually().until(() -> activeActivities(roomInstance(room)), equalTo(List.of("Task_AwaitNextMessage")));
    String roomInstanceId = roomInstance(room).getId();

    // the late ACK of the first, after the second went
    ack(first, GATED_CHANNEL);

    firstView = api.message(first);
    assertThat(firstView.get("status").asText()).isEqualTo("DELIVERED");
    assertThat(events(firstView)).endsWith("DELIVERED").doesNotContain("LATE_ACK");
    assertThat(resendInstance(first)).isNull();
    assertThat(passedActivities(historicResendInstance(first).getId())).endsWith("EndEvent_Delivered");
    int callsOfFirst = provider.calls(first).size();
    eventually()
        .during(LAST_RESEND_DELAY.plusSeconds(1))
        .atMost(LAST_RESEND_DELAY.plusSeconds(10))
        .until(() -> provider.calls(first).size(), equalTo(callsOfFirst));
    // the second keeps its own course: not acknowledged, resending on its own schedule
    JsonNode secondView = api.message(second);
    assertThat(secondView.get("status").asText()).isEqualTo("DISPATCHED");
    assertThat(events(secondView)).contains("ACK_GATE_TIMEOUT").doesNotContain("DELIVERED");
    assertThat(attempts(second)).isGreaterThanOrEqualTo(2);
    assertThat(resendInstance(second)).isNotNull();
    // the room is where it was: idle, the same instance
    assertThat(roomInstance(room).getId()).isEqualTo(roomInstanceId);
    assertThat(activeActivities(roomInstance(room))).containsExactly("Task_AwaitNextMessage");
    assertThat(instanceCount(RoomDeliveryProcess.KEY, room)).isEqualTo(1);
    assertRoomView(room, null, 0, 1);
  }

  /**
   * An operator deletes the room's instance while it waits for the ACK of the first message and
   * two more wait. Nothing happens until the room's next intake, which starts a new instance: it
   * puts the interrupted message back and dispatches it again with the same Idempotency-Key, then
   * the others, in order. With or without custom listeners: the room needs none.
   */
  @ParameterizedTest(name = "skipCustomListeners={0}")
  @ValueSource(booleans = {false, true})
  void roomInstanceCancelledThroughEngineRest_nextIntakeStartsNewInstance_nothingLostNothingSkipped(
      boolean skipCustomListeners) {
    Room room = roomWithThreeMessagesFirstAwaitingAck();
    String cancelled = roomInstance(room.id()).getId();

    ResponseEntity<Void> deleted = deleteInstance(cancelled, skipCustomListeners);

    assertThat(deleted.getStatusCode()).isEqualTo(HttpStatus.NO_CONTENT);
    assertThat(roomInstance(room.id())).isNull();
    assertThat(api.room(room.id()).getBody().get("waiting").asLong()).isEqualTo(2);
    assertThat(provider.calls(room.second())).isEmpty();

    String fourth = room.id() + "-m4";
    assertThat(api.send(message(fourth, room.id(), HOLDING_CHANNEL)).getStatusCode())
        .isEqualTo(HttpStatus.ACCEPTED);

    eventually().until(() -> provider.calls(room.first()).size(), equalTo(2));
    eventually().until(() -> activeActivities(roomInstance(room.id())), equalTo(List.of("Task_AwaitDeliveryReport")));
    String restarted = roomInstance(room.id()).getId();
    assertThat(restarted).isNotEqualTo(cancelled);
    assertThat(currentMessage(room.id())).isEqualTo(room.first());
    assertThat(provider.calls(room.first())).allSatisfy(call ->
        assertThat(call.getHeader("Idempotency-Key")).isEqualTo(room.first()));
    assertThat(api.events(room.first()))
        .containsExactly(
            "ACCEPTED", "TURN_GRANTED", "DISPATCHED", "REQUEUED", "TURN_GRANTED", "DISPATCHED");
    assertThat(attempts(room.first())).isEqualTo(2);
    assertRoomView(room.id(), room.first(), 3, 0);
    assertThat(provider.calls(room.second())).isEmpty();

    ackAndAwaitNext(room.id(), room.first(), room.second());
    ackAndAwaitNext(room.id(), room.second(), room.third());
    ackAndAwaitNext(room.id(), room.third(), fourth);
    ack(fourth);

    eventually().until(() -> activeActivities(roomInstance(room.id())), equalTo(List.of("Task_AwaitNextMessage")));
    assertThat(roomInstance(room.id()).getId()).isEqualTo(restarted);
    assertThat(instanceCount(RoomDeliveryProcess.KEY, room.id())).isEqualTo(2);
    assertThat(providerCallsOfRoom(room.id()))
        .containsExactly(room.first(), room.first(), room.second(), room.third(), fourth);
    assertRoomView(room.id(), null, 0, 4);
    for (String messageId : List.of(room.second(), room.third(), fourth)) {
      assertThat(api.events(messageId))
          .containsExactly("ACCEPTED", "TURN_GRANTED", "DISPATCHED", "DELIVERED");
    }
  }

  @Test
  void secondInstanceStartedByHandWhileTheRoomHasALiveOne_takesNothing() {
    Room room = roomWithThreeMessagesFirstAwaitingAck();
    String live = roomInstance(room.id()).getId();

    ResponseEntity<JsonNode> started = startRoomInstance(room.id());

    assertThat(started.getStatusCode()).isEqualTo(HttpStatus.OK);
    String stray = started.getBody().get("id").asText();
    assertThat(stray).isNotEqualTo(live);
    assertThat(activeActivities(stray)).containsExactly("Task_AwaitNextMessage");
    assertThat(runtime.getVariable(stray, RoomDeliveryProcess.VAR_MESSAGE_ID)).isNull();
    assertThat(activeActivities(live)).containsExactly("Task_AwaitDeliveryReport");
    assertThat(runtime.getVariable(live, RoomDeliveryProcess.VAR_MESSAGE_ID)).isEqualTo(room.first());
    assertRoomView(room.id(), room.first(), 2, 0);
    assertThat(api.events(room.second())).containsExactly("ACCEPTED");

    // the room goes on with its own instance; the stray one still has nothing
    ack(room.first());
    eventually().until(() -> provider.calls(room.second()).size(), equalTo(1));
    eventually().until(() -> activeActivities(live), equalTo(List.of("Task_AwaitDeliveryReport")));
    assertThat(runtime.getVariable(live, RoomDeliveryProcess.VAR_MESSAGE_ID)).isEqualTo(room.second());
    assertThat(activeActivities(stray)).containsExactly("Task_AwaitNextMessage");
    assertThat(runtime.getVariable(stray, RoomDeliveryProcess.VAR_MESSAGE_ID)).isNull();
    assertRoomView(room.id(), room.second(), 1, 1);
    assertThat(providerCallsOfRoom(room.id())).containsExactly(room.first(), room.second());

    assertThat(deleteInstance(stray, false).getStatusCode()).isEqualTo(HttpStatus.NO_CONTENT);
  }

  /** ACKs the room's current message; the room's instance then waits for the next one's ACK. */
  void ackAndAwaitNext(String roomId, String acked, String next) {
    ack(acked);
    eventually().until(() -> provider.calls(next).size(), equalTo(1));
    eventually().until(() -> currentMessage(roomId), equalTo(next));
    eventually().until(() -> activeActivities(roomInstance(roomId)), equalTo(List.of("Task_AwaitDeliveryReport")));
    assertThat(api.status(acked)).isEqualTo("DELIVERED");
  }

  void ack(String messageId) {
    ack(messageId, HOLDING_CHANNEL);
  }

  void ack(String messageId, String channel) {
    assertThat(callbacks(channel).send(delivered(messageId))).isEqualTo(200);
  }

  /** Provider calls made for the message, as its view counts them. */
  int attempts(String messageId) {
    return api.message(messageId).get("attempts").asInt();
  }
}
