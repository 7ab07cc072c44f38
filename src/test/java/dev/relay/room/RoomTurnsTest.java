package dev.relay.room;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relay.timeline.Timeline;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.autoconfigure.jdbc.JdbcTest;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.JdbcTemplate;

/** The ordering logic on its own: a real database, no process engine. */
@JdbcTest
@Import({RoomTurns.class, RoomRepository.class, Timeline.class, RoomTurnsTest.Deliveries.class})
class RoomTurnsTest {

  @Autowired RoomTurns turns;
  @Autowired JdbcTemplate jdbc;
  @Autowired Deliveries deliveries;

  @BeforeEach
  void reset() {
    deliveries.woken.clear();
    deliveries.gone.clear();
  }

  @Test
  void sequencesArePerRoomAndConsecutive() {
    assertThat(List.of(accept("a-1", "A"), accept("a-2", "A"), accept("b-1", "B"), accept("a-3", "A")))
        .containsExactly(1L, 2L, 1L, 3L);
  }

  @Test
  void firstMessageTakesTheTurnAndLaterOnesWait() {
    accept("m-1", "R");
    accept("m-2", "R");

    assertThat(turns.claim("R", "m-1")).isTrue();
    assertThat(turns.claim("R", "m-2")).isFalse();
    assertThat(turns.view("R").orElseThrow())
        .isEqualTo(new RoomView("R", 2, "m-1", 1, 0));
    assertThat(deliveries.woken).isEmpty();
  }

  @Test
  void releaseHandsTheTurnToTheNextInSequenceAndWakesIt() {
    acceptAndClaim("m-1", "R");
    acceptAndClaim("m-2", "R");
    acceptAndClaim("m-3", "R");

    assertThat(turns.release("R", "m-1")).isTrue();

    assertThat(deliveries.woken).containsExactly("m-2");
    assertThat(turns.view("R").orElseThrow().turnHolder()).isEqualTo("m-2");
    assertThat(events("m-1")).containsExactly("TURN_GRANTED", "TURN_PASSED");
    assertThat(events("m-2")).containsExactly("TURN_GRANTED");
  }

  @Test
  void releasingTwiceOrByANonHolderChangesNothing() {
    acceptAndClaim("m-1", "R");
    acceptAndClaim("m-2", "R");
    acceptAndClaim("m-3", "R");
    turns.release("R", "m-1");

    assertThat(turns.release("R", "m-1")).isFalse();

    assertThat(deliveries.woken).containsExactly("m-2");
    assertThat(turns.view("R").orElseThrow().turnHolder()).isEqualTo("m-2");
  }

  @Test
  void aWaitingMessageThatEndedIsSkippedAndNeverHoldsTheTurn() {
    acceptAndClaim("m-1", "R");
    acceptAndClaim("m-2", "R");
    acceptAndClaim("m-3", "R");
    deliveries.gone.add("m-2");

    turns.release("R", "m-1");

    assertThat(deliveries.woken).containsExactly("m-3");
    assertThat(turns.view("R").orElseThrow())
        .isEqualTo(new RoomView("R", 3, "m-3", 0, 0));
  }

  @Test
  void aWaitingMessageReleasedBeforeItsTurnIsNotWoken() {
    acceptAndClaim("m-1", "R");
    acceptAndClaim("m-2", "R");
    acceptAndClaim("m-3", "R");

    assertThat(turns.release("R", "m-2")).isFalse(); // cancelled while waiting
    turns.release("R", "m-1");

    assertThat(deliveries.woken).containsExactly("m-3");
  }

  @Test
  void lastReleaseLeavesTheRoomFreeForTheNextIntake() {
    acceptAndClaim("m-1", "R");
    turns.release("R", "m-1");
    assertThat(turns.view("R").orElseThrow().turnHolder()).isNull();

    assertThat(acceptAndClaim("m-2", "R")).isTrue();
  }

  @Test
  void repairFreesARoomWhoseHolderIsGoneAndIsHarmlessOtherwise() {
    acceptAndClaim("m-1", "R");
    acceptAndClaim("m-2", "R");

    assertThat(turns.repair("R")).contains("m-1");
    assertThat(deliveries.woken).isEmpty();

    deliveries.gone.add("m-1");
    assertThat(turns.repair("R")).contains("m-2");
    assertThat(deliveries.woken).containsExactly("m-2");
  }

  @Test
  void repairWakesARoomWithWaitingMessagesAndNoHolder() {
    acceptAndClaim("m-1", "R");
    acceptAndClaim("m-2", "R");
    jdbc.update("update relay_room set turn_holder = null where room_id = 'R'"); // a lost hand-over
    jdbc.update("update relay_message set turn_state = 'PASSED' where message_id = 'm-1'");

    assertThat(turns.repair("R")).contains("m-2");
    assertThat(deliveries.woken).containsExactly("m-2");
  }

  private long accept(String messageId, String roomId) {
    long sequence = turns.nextSequence(roomId);
    jdbc.update(
        "insert into relay_message (message_id, room_id, sequence, channel, recipient, body, status,"
            + " turn_state, attempts, accepted_at) values (?, ?, ?, 'c', 'to', 'b', 'QUEUED', 'WAITING', 0, ?)",
        messageId,
        roomId,
        sequence,
        Timeline.utc(Instant.now()));
    return sequence;
  }

  private boolean acceptAndClaim(String messageId, String roomId) {
    accept(messageId, roomId);
    return turns.claim(roomId, messageId);
  }

  private List<String> events(String messageId) {
    return jdbc.queryForList(
            "select event from relay_message_event where message_id = ? order by id",
            String.class,
            messageId);
  }

  /** Stands in for the engine: records whom it woke; "gone" deliveries cannot be woken. */
  static class Deliveries implements DeliveryInstances {
    final List<String> woken = new ArrayList<>();
    final Set<String> gone = new HashSet<>();

    @Override
    public boolean grantTurn(String messageId) {
      if (gone.contains(messageId)) {
        return false;
      }
      woken.add(messageId);
      return true;
    }

    @Override
    public boolean isRunning(String messageId) {
      return !gone.contains(messageId);
    }
  }
}
