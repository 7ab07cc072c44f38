package dev.relay.intake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.relay.delivery.Message;
import dev.relay.delivery.MessageStatus;
import dev.relay.delivery.NewMessage;
import dev.relay.intake.IntakeService.Intake;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What the room's intakes share: the ones that arrive while the room's store runs go in its next
 * store, in arrival order, and each gets its own answer; the stores of several rooms that fall due
 * while every store thread is busy go in one; the stores run on the store threads, and an intake
 * waiting for its room holds none. Stores are fakes that record what they were given; a latch
 * holds a store, so the others arrive while it runs.
 */
class SameRoomIntakesTest {

  // two: a held store takes one, and the other room's store needs the second
  private final ExecutorService storeThreads = Executors.newFixedThreadPool(2);
  private final List<List<String>> stores = new CopyOnWriteArrayList<>();
  private final Map<String, String> storedOn = new ConcurrentHashMap<>();
  private final Map<String, CountDownLatch> holds = new ConcurrentHashMap<>();
  private final AtomicLong sequences = new AtomicLong();
  private String failingTogether;
  private String failingAlone;

  private final SameRoomIntakes intakes =
      new SameRoomIntakes(this::storeOne, this::storeTogether, 3, storeThreads);

  @AfterEach
  void stop() {
    holds.values().forEach(CountDownLatch::countDown);
    storeThreads.shutdownNow();
  }

  @Test
  void anIntakeOfAQuietRoomIsStoredAloneAtOnce_onAStoreThread() throws Exception {
    Intake intake = answer(intakes.accept(message("m-1", "room-A")));

    assertThat(intake.message().messageId()).isEqualTo("m-1");
    assertThat(stores).containsExactly(List.of("m-1"));
    assertThat(storedOn.get("m-1")).isNotEqualTo(Thread.currentThread().getName());
  }

  @Test
  void intakesThatArriveWhileTheRoomStoresShareItsNextStore_inArrivalOrder() throws Exception {
    List<Future<Intake>> answers = arriveWhileTheFirstStores("m-1", "m-2", "m-3");
    Future<Intake> first = answers.get(0);
    Future<Intake> second = answers.get(1);
    Future<Intake> third = answers.get(2);

    releaseTheFirst();

    assertThat(answer(first).message().messageId()).isEqualTo("m-1");
    assertThat(answer(second).message().messageId()).isEqualTo("m-2");
    assertThat(answer(third).message().messageId()).isEqualTo("m-3");
    assertThat(stores).containsExactly(List.of("m-1"), List.of("m-2", "m-3"));
    assertThat(List.of(answer(first), answer(second), answer(third)))
        .extracting(intake -> intake.message().sequence())
        .containsExactly(1L, 2L, 3L);
  }

  @Test
  void aStoreTakesAtMostItsShare_theRestTheNext() throws Exception {
    List<Future<Intake>> answers = arriveWhileTheFirstStores("m-1", "m-2", "m-3", "m-4", "m-5");

    releaseTheFirst();

    for (Future<Intake> answer : answers) {
      answer(answer);
    }
    assertThat(stores).containsExactly(List.of("m-1"), List.of("m-2", "m-3", "m-4"), List.of("m-5"));
  }

  @Test
  void anotherRoomNeverWaitsForABusyOne_whoseWaitingIntakesHoldNoThread() throws Exception {
    // room-A's held store takes one of the two store threads; its four waiting intakes take none
    List<Future<Intake>> busy = arriveWhileTheFirstStores("m-1", "m-2", "m-3", "m-4", "m-5");

    Intake other = answer(intakes.accept(message("m-9", "room-B")));

    assertThat(other.message().messageId()).isEqualTo("m-9");
    assertThat(busy).noneMatch(Future::isDone);
    releaseTheFirst();
    for (Future<Intake> answer : busy) {
      answer(answer);
    }
  }

  @Test
  void whenTheSharedStoreFails_eachIsStoredAlone_andOnlyTheFailingOneFails() throws Exception {
    failingTogether = "m-2";
    failingAlone = "m-3";
    List<Future<Intake>> answers = arriveWhileTheFirstStores("m-1", "m-2", "m-3", "m-4");
    Future<Intake> first = answers.get(0);
    Future<Intake> second = answers.get(1);
    Future<Intake> third = answers.get(2);
    Future<Intake> fourth = answers.get(3);

    releaseTheFirst();

    assertThat(answer(second).message().messageId()).isEqualTo("m-2");
    assertThatThrownBy(() -> third.get(5, TimeUnit.SECONDS))
        .hasRootCauseInstanceOf(IllegalStateException.class)
        .hasRootCauseMessage("m-3 refused");
    assertThat(answer(fourth).message().messageId()).isEqualTo("m-4");
    answer(first);
    assertThat(stores).containsExactly(List.of("m-1"), List.of("m-2"), List.of("m-4"));
  }

  @Test
  void storesThatFallDueWhileEveryStoreThreadIsBusy_shareOneStore_eachRoomInItsOrder()
      throws Exception {
    Future<Intake> held = heldInItsStore("a-1", "room-A");
    Future<Intake> alsoHeld = heldInItsStore("b-1", "room-B"); // both store threads busy
    List<Future<Intake>> due = new ArrayList<>();
    for (String[] intake : new String[][] {{"c-1", "room-C"}, {"d-1", "room-D"}, {"d-2", "room-D"},
        {"e-1", "room-E"}}) {
      due.add(intakes.accept(message(intake[0], intake[1])));
    }

    holds.get("a-1").countDown(); // one store thread free, the other still held

    for (Future<Intake> answer : due) {
      answer(answer);
    }
    answer(held);
    holds.get("b-1").countDown();
    answer(alsoHeld);
    // d-2 arrived while room-D's store was due: it waits for that one, then goes in the next
    assertThat(stores).containsSubsequence(List.of("c-1", "d-1", "e-1"), List.of("d-2"));
    assertThat(answer(due.get(1)).message().sequence())
        .isLessThan(answer(due.get(2)).message().sequence());
  }

  @Test
  void whenTheStoreOfSeveralRoomsFails_eachRoomIsStoredOnItsOwn() throws Exception {
    failingTogether = "c-1";
    Future<Intake> held = heldInItsStore("a-1", "room-A");
    Future<Intake> alsoHeld = heldInItsStore("b-1", "room-B");
    List<Future<Intake>> due = List.of(
        intakes.accept(message("c-1", "room-C")), intakes.accept(message("d-1", "room-D")));

    holds.get("a-1").countDown();

    assertThat(answer(due.get(0)).message().messageId()).isEqualTo("c-1");
    assertThat(answer(due.get(1)).message().messageId()).isEqualTo("d-1");
    answer(held);
    holds.get("b-1").countDown();
    answer(alsoHeld);
    assertThat(stores)
        .contains(List.of("c-1"), List.of("d-1"))
        .doesNotContain(List.of("c-1", "d-1"));
  }

  @Test
  void theRoomIsQuietAgainAfterItsStores() throws Exception {
    List<Future<Intake>> answers = arriveWhileTheFirstStores("m-1", "m-2");
    releaseTheFirst();
    answer(answers.get(0));
    answer(answers.get(1));

    answer(intakes.accept(message("m-3", "room-A")));

    assertThat(stores).containsExactly(List.of("m-1"), List.of("m-2"), List.of("m-3"));
  }

  @Test
  void aStoppedNode_refusesNewIntakes_andStoresNothing() {
    storeThreads.shutdown();

    CompletableFuture<Intake> refused = intakes.accept(message("m-1", "room-A"));

    assertThatThrownBy(() -> refused.get(5, TimeUnit.SECONDS))
        .hasCauseInstanceOf(RejectedExecutionException.class);
    assertThat(stores).isEmpty();
  }

  @Test
  void aNodeThatStops_stillStoresTheIntakesItHasReceived() throws Exception {
    List<Future<Intake>> answers = arriveWhileTheFirstStores("m-1", "m-2", "m-3");

    storeThreads.shutdown();
    releaseTheFirst();

    for (Future<Intake> answer : answers) {
      answer(answer);
    }
    assertThat(stores).containsExactly(List.of("m-1"), List.of("m-2", "m-3"));
  }

  private Intake storeOne(NewMessage message) {
    storedOn.put(message.messageId(), Thread.currentThread().getName());
    await(message.messageId());
    if (message.messageId().equals(failingAlone)) {
      throw new IllegalStateException(message.messageId() + " refused");
    }
    stores.add(List.of(message.messageId()));
    return accepted(message);
  }

  private List<Intake> storeTogether(List<NewMessage> messages) {
    List<String> ids = messages.stream().map(NewMessage::messageId).toList();
    if (ids.contains(failingTogether)) {
      throw new IllegalStateException("together refused");
    }
    stores.add(ids);
    return messages.stream().map(this::accepted).toList();
  }

  private void await(String messageId) {
    CountDownLatch hold = holds.get(messageId);
    if (hold != null) {
      try {
        hold.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** The first intake of room-A stores and is held there; the others arrive meanwhile. */
  private List<Future<Intake>> arriveWhileTheFirstStores(String... messageIds) {
    List<Future<Intake>> answers = new ArrayList<>();
    answers.add(heldInItsStore(messageIds[0], "room-A"));
    for (int i = 1; i < messageIds.length; i++) {
      answers.add(intakes.accept(message(messageIds[i], "room-A")));
    }
    return answers;
  }

  /** The intake stores, alone, and is held there until released; it holds a store thread. */
  private Future<Intake> heldInItsStore(String messageId, String roomId) {
    holds.put(messageId, new CountDownLatch(1));
    Future<Intake> answer = intakes.accept(message(messageId, roomId));
    // once its store has it, no other store can take it along
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> storedOn.containsKey(messageId));
    return answer;
  }

  private void releaseTheFirst() {
    holds.values().forEach(CountDownLatch::countDown);
  }

  private static Intake answer(Future<Intake> intake) throws Exception {
    return intake.get(5, TimeUnit.SECONDS);
  }

  private Intake accepted(NewMessage message) {
    return new Intake(
        Intake.Kind.ACCEPTED,
        new Message(
            message.messageId(),
            message.roomId(),
            sequences.incrementAndGet(),
            message.channel(),
            message.to(),
            message.body(),
            message.fallbackEmail(),
            MessageStatus.QUEUED,
            0,
            null,
            Instant.now(),
            null,
            null,
            null,
            null,
            null));
  }

  private static NewMessage message(String messageId, String roomId) {
    return new NewMessage(messageId, roomId, "whatsapp", "+15550100", "hello", null);
  }
}
