package dev.relay.intake;

import dev.relay.delivery.NewMessage;
import dev.relay.intake.IntakeService.Intake;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;

/**
 * A node's intakes, stored on threads of their own, a room's one store at a time and the ones that
 * arrive meanwhile together. A room's intakes queue on its row lock anyway, one transaction after
 * the other; here the intakes that arrive while the room's previous store runs wait in memory,
 * holding no thread, and the next store takes them all, in the order they arrived, each answered
 * after that shared commit. An intake that finds its room quiet is stored at once, alone: there is
 * no window to wait for.
 *
 * <p>The rooms' stores that fall due while every store thread is busy share one transaction too:
 * the next free thread takes all of them (about {@code most} intakes), so a node behind commits
 * once for many rooms' intakes, where it would commit for each, and a quiet node stores each at
 * once, as before.
 *
 * <p>The stores run on {@code stores}, not on the request threads: a node that cannot store
 * intakes as fast as they come makes them wait in memory, while its request threads stay free for
 * the providers' webhooks, whose ACKs are what moves its rooms on. When a shared store fails, each
 * room's intakes are stored on their own, then each intake, so one intake's failure is its own
 * answer only.
 */
final class SameRoomIntakes {

  private final Function<NewMessage, Intake> storeOne;
  private final Function<List<NewMessage>, List<Intake>> storeTogether;
  private final int most;
  private final Executor stores;
  // a room is here while one of its stores runs or is due; its queue holds the intakes waiting
  private final ConcurrentHashMap<String, Deque<Waiting>> busyRooms = new ConcurrentHashMap<>();
  // the rooms' stores due, in the order they fell due: a room has at most one here or running
  private final Queue<Due> due = new ConcurrentLinkedQueue<>();

  /**
   * @param storeOne stores one message in a transaction of its own
   * @param storeTogether stores several messages, of one room or several, in one transaction,
   *     answering each in their order
   * @param most the most intakes of a room that one store takes, and about the most of all rooms
   * @param stores runs the stores
   */
  SameRoomIntakes(
      Function<NewMessage, Intake> storeOne,
      Function<List<NewMessage>, List<Intake>> storeTogether,
      int most,
      Executor stores) {
    if (most < 1) {
      throw new IllegalArgumentException("most must be at least 1, not " + most);
    }
    this.storeOne = storeOne;
    this.storeTogether = storeTogether;
    this.most = most;
    this.stores = stores;
  }

  /** The intake's answer once it is stored, or its failure. */
  CompletableFuture<Intake> accept(NewMessage message) {
    Waiting mine = new Waiting(message);
    String roomId = message.roomId();
    boolean[] quiet = {false};
    busyRooms.compute(
        roomId,
        (room, waiting) -> {
          if (waiting == null) {
            quiet[0] = true;
            return new ArrayDeque<>();
          }
          waiting.add(mine);
          return waiting;
        });
    if (quiet[0]) {
      try {
        submit(new Due(roomId, List.of(mine)));
      } catch (RejectedExecutionException stopping) {
        // the node stops: this room's intakes are not stored here, and each says so
        List<Waiting> refused = new ArrayList<>(List.of(mine));
        Deque<Waiting> waiting = busyRooms.remove(roomId);
        if (waiting != null) {
          refused.addAll(waiting);
        }
        refused.forEach(intake -> intake.failed(stopping));
      }
    }
    return mine.answer;
  }

  /**
   * Queues the room's store and has a store thread take what is due.
   *
   * @throws RejectedExecutionException the node stops and no store thread took it
   */
  private void submit(Due store) {
    due.add(store);
    try {
      stores.execute(this::storeDue);
    } catch (RejectedExecutionException stopping) {
      if (due.remove(store)) {
        throw stopping;
      }
    }
  }

  /** Takes the stores due, in their order, until they hold {@code most} intakes, and runs them. */
  private void storeDue() {
    List<Due> taken = new ArrayList<>();
    int intakes = 0;
    for (Due next; intakes < most && (next = due.poll()) != null; intakes += next.batch().size()) {
      taken.add(next);
    }
    if (!taken.isEmpty()) { // else another thread took them
      storeThenWaiting(taken);
    }
  }

  private void storeThenWaiting(List<Due> taken) {
    try {
      store(taken);
    } finally {
      taken.forEach(store -> store.batch().forEach(Waiting::unanswered));
      taken.forEach(store -> storeWaiting(store.roomId()));
    }
  }

  /**
   * The intakes that waited longest, up to {@code most}, are stored next, behind the other rooms'
   * stores already due; or the room is quiet again.
   */
  private void storeWaiting(String roomId) {
    List<Waiting> batch = new ArrayList<>();
    busyRooms.computeIfPresent(
        roomId,
        (room, waiting) -> {
          while (batch.size() < most && !waiting.isEmpty()) {
            batch.add(waiting.poll());
          }
          return batch.isEmpty() ? null : waiting;
        });
    if (batch.isEmpty()) {
      return;
    }
    Due next = new Due(roomId, batch);
    try {
      submit(next);
    } catch (RejectedExecutionException stopping) {
      // the node stops: what it has received is still stored, on this thread
      storeThenWaiting(List.of(next));
    }
  }

  private void store(List<Due> taken) {
    if (taken.size() > 1
        && together(taken.stream().flatMap(store -> store.batch().stream()).toList())) {
      return;
    }
    for (Due store : taken) {
      if (store.batch().size() > 1 && together(store.batch())) {
        continue;
      }
      for (Waiting waiting : store.batch()) {
        try {
          waiting.answered(storeOne.apply(waiting.message));
        } catch (RuntimeException failure) {
          waiting.failed(failure);
        }
      }
    }
  }

  /** Stores the intakes in one transaction and answers them: false when that failed. */
  private boolean together(List<Waiting> batch) {
    try {
      List<Intake> answers =
          storeTogether.apply(batch.stream().map(waiting -> waiting.message).toList());
      for (int i = 0; i < batch.size(); i++) {
        batch.get(i).answered(answers.get(i));
      }
      return true;
    } catch (RuntimeException failed) {
      return false; // smaller stores next, each with its own answer or failure
    }
  }

  /** A room's next store: its intakes, in the order they arrived. */
  private record Due(String roomId, List<Waiting> batch) {}

  /** An intake: its message and, once stored, its answer. */
  private static final class Waiting {
    private final NewMessage message;
    private final CompletableFuture<Intake> answer = new CompletableFuture<>();

    Waiting(NewMessage message) {
      this.message = message;
    }

    void answered(Intake intake) {
      answer.complete(intake);
    }

    void failed(RuntimeException e) {
      answer.completeExceptionally(e);
    }

    /** A store that ended without answering (an Error): the intake fails with it. */
    void unanswered() {
      if (!answer.isDone()) {
        failed(
            new IllegalStateException(
                "The store of message " + message.messageId() + " ended without an answer"));
      }
    }
  }
}
