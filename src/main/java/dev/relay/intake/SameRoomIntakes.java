package dev.relay.intake;

import dev.relay.delivery.NewMessage;
import dev.relay.intake.IntakeService.Intake;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
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
 * <p>The stores run on {@code stores}, not on the request threads: a node that cannot store
 * intakes as fast as they come makes them wait in memory, while its request threads stay free for
 * the providers' webhooks, whose ACKs are what moves its rooms on. When a shared store fails, each
 * of its intakes is stored on its own, so one intake's failure is its own answer only.
 */
final class SameRoomIntakes {

  private final Function<NewMessage, Intake> storeOne;
  private final Function<List<NewMessage>, List<Intake>> storeTogether;
  private final int most;
  private final Executor stores;
  // a room is here while one of its stores runs or is due; its queue holds the intakes waiting
  private final ConcurrentHashMap<String, Deque<Waiting>> busyRooms = new ConcurrentHashMap<>();

  /**
   * @param storeOne stores one message in a transaction of its own
   * @param storeTogether stores several messages of one room in one transaction, answering each in
   *     their order
   * @param most the most intakes one store takes
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
        stores.execute(() -> storeThenWaiting(roomId, List.of(mine)));
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

  private void storeThenWaiting(String roomId, List<Waiting> batch) {
    try {
      store(batch);
    } finally {
      batch.forEach(Waiting::unanswered);
      storeWaiting(roomId);
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
    try {
      stores.execute(() -> storeThenWaiting(roomId, batch));
    } catch (RejectedExecutionException stopping) {
      // the node stops: what it has received is still stored, on this thread
      storeThenWaiting(roomId, batch);
    }
  }

  private void store(List<Waiting> batch) {
    if (batch.size() > 1) {
      try {
        List<Intake> answers =
            storeTogether.apply(batch.stream().map(waiting -> waiting.message).toList());
        for (int i = 0; i < batch.size(); i++) {
          batch.get(i).answered(answers.get(i));
        }
        return;
      } catch (RuntimeException together) {
        // one by one below, each with its own answer or failure
      }
    }
    for (Waiting waiting : batch) {
      try {
        waiting.answered(storeOne.apply(waiting.message));
      } catch (RuntimeException failure) {
        waiting.failed(failure);
      }
    }
  }

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
