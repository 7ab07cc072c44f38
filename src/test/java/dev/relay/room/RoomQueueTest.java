package dev.relay.room;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.verifyNoMoreInteractions;
import static org.mockito.Mockito.when;

import dev.relay.jdbc.Timestamps;
import dev.relay.jdbc.UpdateReturning;
import dev.relay.timeline.Timeline;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * A room's queue on its own: a real database (the Flyway migrations in a fresh in-memory H2), no
 * process engine; {@link RoomInstances} is a mock that stands in for the room's instances.
 */
class RoomQueueTest {

  private static final String ROOM = "R";
  private static final String A = "instance-A";
  private static final String B = "instance-B";

  private final RoomInstances instances = mock(RoomInstances.class);
  private DriverManagerDataSource dataSource;
  private JdbcTemplate jdbc;
  private RoomQueue queue;

  @BeforeEach
  void freshDatabase() throws Exception {
    // a lock that is not free within 200 ms fails the statement, so a test can tell a wait
    dataSource =
        new DriverManagerDataSource(
            "jdbc:h2:mem:room-queue-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1;LOCK_TIMEOUT=200",
            "sa",
            "");
    Flyway.configure().dataSource(dataSource).load().migrate();
    jdbc = new JdbcTemplate(dataSource);
    queue = new RoomQueue(new RoomRepository(jdbc, new UpdateReturning(dataSource)), instances, new Timeline(jdbc, new SimpleMeterRegistry()));
  }

  // --- sequences

  @Test
  void sequencesArePerRoomAndConsecutive() {
    assertThat(
            List.of(
                accept("a-1", "A").sequence(),
                accept("a-2", "A").sequence(),
                accept("b-1", "B").sequence(),
                accept("a-3", "A").sequence()))
        .containsExactly(1L, 2L, 1L, 3L);
  }

  // --- takeNext

  @Test
  void instanceTakesTheWaitingMessagesInSequenceOrder() {
    accept("m-1", ROOM);
    accept("m-2", ROOM);
    accept("m-3", ROOM);

    assertThat(queue.takeNext(ROOM, A)).contains(new RoomQueue.Taken("m-1", "whatsapp"));
    assertRoom(A, "m-1", false);
    assertThat(queue.view(ROOM).orElseThrow()).isEqualTo(new RoomView(ROOM, 3, "m-1", 2, 0));

    assertThat(queue.takeNext(ROOM, A)).contains(new RoomQueue.Taken("m-2", "whatsapp"));
    assertThat(queue.takeNext(ROOM, A)).contains(new RoomQueue.Taken("m-3", "whatsapp"));

    assertThat(queue.view(ROOM).orElseThrow()).isEqualTo(new RoomView(ROOM, 3, "m-3", 0, 0));
    for (String message : List.of("m-1", "m-2", "m-3")) {
      assertThat(turn(message))
          .containsEntry("TURN_STATE", "TAKEN")
          .containsEntry("REPORT_INSTANCE_ID", A);
      assertThat(events(message)).containsExactly("TURN_GRANTED");
    }
    verifyNoInteractions(instances); // its own room: no question asked
  }

  @Test
  void messageAcceptedAfterTheTakeReadItsClock_isTakenNoEarlierThanAccepted() {
    // the intake committed between the take's "now" and its query
    Instant acceptedLater = Instant.now().plusSeconds(1);
    accept("m-1", ROOM, acceptedLater);

    assertThat(queue.takeNext(ROOM, A)).contains(new RoomQueue.Taken("m-1", "whatsapp"));

    assertThat(
            jdbc.queryForObject(
                "select taken_at = accepted_at from relay_message where message_id = 'm-1'",
                Boolean.class))
        .as("the turn granted at the acceptance, not before it")
        .isTrue();
  }

  @Test
  void workingInstanceTakesItsNextMessageWhileAnIntakeHoldsTheRoom() throws Exception {
    accept("m-1", ROOM);
    accept("m-2", ROOM);
    queue.takeNext(ROOM, A);
    try (Connection intake = intakeInProgress()) {
      assertThat(queue.takeNext(ROOM, A)).contains(new RoomQueue.Taken("m-2", "whatsapp"));
    }
    assertRoom(A, "m-2", false);
  }

  @Test
  void goingIdleWaitsForTheIntakeThatHoldsTheRoom() throws Exception {
    accept("m-1", ROOM);
    queue.takeNext(ROOM, A);
    try (Connection intake = intakeInProgress()) {
      // none waiting: "go idle" is decided under the room's lock, which the intake holds
      assertThatThrownBy(() -> queue.takeNext(ROOM, A))
          .isInstanceOf(DataAccessException.class)
          .hasMessageContaining("Timeout trying to lock");
    }
    assertRoom(A, "m-1", false);
  }

  @Test
  void emptyQueueLeavesTheInstanceIdle() {
    accept("m-1", ROOM);
    queue.takeNext(ROOM, A);

    assertThat(queue.takeNext(ROOM, A)).isEmpty();

    assertRoom(A, null, true);
    assertThat(queue.view(ROOM).orElseThrow()).isEqualTo(new RoomView(ROOM, 1, null, 0, 0));
    // intake sees the idle instance with its next message's sequence
    assertThat(accept("m-2", ROOM)).isEqualTo(new RoomQueue.Ticket(ROOM, 2, A, true));
  }

  @Test
  void newInstancePutsBackTheMessageItsCancelledPredecessorHadNotHeardOf() {
    accept("m-1", ROOM);
    accept("m-2", ROOM);
    queue.takeNext(ROOM, A);
    dispatched("m-1"); // then A was cancelled before m-1's report
    when(instances.isRunning(A)).thenReturn(false);

    Optional<RoomQueue.Taken> taken = queue.takeNext(ROOM, B);

    // m-1 is at the head of the queue again, before m-2: the order holds
    assertThat(taken).contains(new RoomQueue.Taken("m-1", "whatsapp"));
    assertThat(events("m-1")).containsExactly("TURN_GRANTED", "REQUEUED", "TURN_GRANTED");
    assertThat(turn("m-1"))
        .containsEntry("TURN_STATE", "TAKEN")
        .containsEntry("REPORT_INSTANCE_ID", B);
    assertThat(turn("m-2")).containsEntry("TURN_STATE", "WAITING");
    assertRoom(B, "m-1", false);
    verify(instances).isRunning(A);
  }

  @Test
  void newInstanceLeavesAReportedMessageOfItsPredecessorWhereItIs() {
    accept("m-1", ROOM);
    accept("m-2", ROOM);
    queue.takeNext(ROOM, A);
    jdbc.update("update relay_message set status = 'DELIVERED' where message_id = 'm-1'");
    when(instances.isRunning(A)).thenReturn(false);

    assertThat(queue.takeNext(ROOM, B)).contains(new RoomQueue.Taken("m-2", "whatsapp"));

    assertThat(events("m-1")).containsExactly("TURN_GRANTED");
    assertThat(turn("m-1"))
        .containsEntry("TURN_STATE", "TAKEN")
        .containsEntry("REPORT_INSTANCE_ID", A);
  }

  @Test
  void newInstanceLeavesAHandedOverMessageWithItsResendInstance() {
    accept("m-1", ROOM);
    queue.takeNext(ROOM, A);
    dispatched("m-1");
    jdbc.update(
        "update relay_message set report_instance_id = 'resend-1' where message_id = 'm-1'");
    when(instances.isRunning(A)).thenReturn(false);

    assertThat(queue.takeNext(ROOM, B)).isEmpty();

    assertThat(events("m-1")).containsExactly("TURN_GRANTED");
    assertThat(turn("m-1"))
        .containsEntry("TURN_STATE", "TAKEN")
        .containsEntry("REPORT_INSTANCE_ID", "resend-1");
    assertRoom(B, null, true);
  }

  @Test
  void duplicateInstanceTakesNothingWhileTheRoomsInstanceLives() {
    accept("m-1", ROOM);
    accept("m-2", ROOM);
    queue.takeNext(ROOM, A);
    when(instances.isRunning(A)).thenReturn(true);

    assertThat(queue.takeNext(ROOM, B)).isEmpty();

    assertRoom(A, "m-1", false); // untouched: B idles, A goes on
    assertThat(turn("m-2")).containsEntry("TURN_STATE", "WAITING");
    assertThat(events("m-1")).containsExactly("TURN_GRANTED");
    assertThat(events("m-2")).isEmpty();
  }

  // --- messageQueued

  @Test
  void firstMessageOfARoomStartsItsInstance() {
    queue.messageQueued(accept("m-1", ROOM));

    verify(instances).start(ROOM);
    verifyNoMoreInteractions(instances);
  }

  @Test
  void messageForAnIdleRoomWakesItsInstance() {
    accept("m-1", ROOM);
    queue.takeNext(ROOM, A);
    queue.takeNext(ROOM, A); // idle
    when(instances.wake(A)).thenReturn(true);

    queue.messageQueued(accept("m-2", ROOM));

    verify(instances).wake(A);
    verify(instances, never()).start(anyString());
    verifyNoMoreInteractions(instances);
  }

  @Test
  void messageForABusyRoomLeavesItsInstanceAlone() {
    accept("m-1", ROOM);
    queue.takeNext(ROOM, A);
    when(instances.isRunning(A)).thenReturn(true);

    queue.messageQueued(accept("m-2", ROOM));

    verify(instances).isRunning(A);
    verifyNoMoreInteractions(instances);
    assertThat(turn("m-2")).containsEntry("TURN_STATE", "WAITING"); // A takes it in its turn
  }

  @Test
  void messageForARoomWhoseIdleInstanceEndedStartsANewOne() {
    accept("m-1", ROOM);
    queue.takeNext(ROOM, A);
    queue.takeNext(ROOM, A); // idle, then its idle timer ended it
    when(instances.wake(A)).thenReturn(false);

    queue.messageQueued(accept("m-2", ROOM));

    verify(instances).wake(A);
    verify(instances).start(ROOM);
    verifyNoMoreInteractions(instances);
  }

  @Test
  void messageForARoomWhoseBusyInstanceWasCancelledStartsANewOne() {
    accept("m-1", ROOM);
    queue.takeNext(ROOM, A);
    when(instances.isRunning(A)).thenReturn(false);

    queue.messageQueued(accept("m-2", ROOM));

    verify(instances).isRunning(A);
    verify(instances).start(ROOM);
    verifyNoMoreInteractions(instances);
  }

  @Test
  void unknownRoomHasNoView() {
    assertThat(queue.view("nowhere")).isEmpty();
  }

  /** Intake's part: the room's next sequence, the message stored waiting with it. */
  private RoomQueue.Ticket accept(String messageId, String roomId) {
    return accept(messageId, roomId, Instant.now());
  }

  private RoomQueue.Ticket accept(String messageId, String roomId, Instant acceptedAt) {
    RoomQueue.Ticket ticket = queue.nextSequence(roomId);
    jdbc.update(
        "insert into relay_message (message_id, room_id, sequence, channel, recipient, body,"
            + " status, turn_state, attempts, accepted_at) values (?, ?, ?, 'whatsapp', 'to', 'b',"
            + " 'QUEUED', 'WAITING', 0, ?)",
        messageId,
        roomId,
        ticket.sequence(),
        Timestamps.utc(acceptedAt));
    return ticket;
  }

  /**
   * An intake in progress: the room's next sequence taken, its row locked until the connection
   * closes (rolled back: nothing stored).
   */
  private Connection intakeInProgress() throws Exception {
    Connection intake = dataSource.getConnection();
    intake.setAutoCommit(false);
    intake.createStatement().executeUpdate(
        "update relay_room set last_sequence = last_sequence + 1 where room_id = '" + ROOM + "'");
    return intake;
  }

  /** The provider took it: no report yet. */
  private void dispatched(String messageId) {
    jdbc.update(
        "update relay_message set status = 'DISPATCHED', attempts = 1 where message_id = ?",
        messageId);
  }

  private void assertRoom(String instanceId, String turnHolder, boolean idle) {
    Map<String, Object> room =
        jdbc.queryForMap("select instance_id, idle from relay_room where room_id = ?", ROOM);
    assertThat(room).containsEntry("INSTANCE_ID", instanceId).containsEntry("IDLE", idle);
    assertThat(queue.view(ROOM).orElseThrow().turnHolder()).as("turn holder").isEqualTo(turnHolder);
  }

  private Map<String, Object> turn(String messageId) {
    return jdbc.queryForMap(
        "select turn_state, report_instance_id from relay_message where message_id = ?", messageId);
  }

  /** The message's room steps as its timeline shows them: the last grant is its row's taken_at. */
  private List<String> events(String messageId) {
    return jdbc.queryForList(
        "select event, at from relay_message_event where message_id = ?"
            + " union all select 'TURN_GRANTED', taken_at from relay_message"
            + " where message_id = ? and taken_at is not null order by 2",
        messageId,
        messageId)
        .stream()
        .map(row -> (String) row.get("EVENT"))
        .toList();
  }
}
