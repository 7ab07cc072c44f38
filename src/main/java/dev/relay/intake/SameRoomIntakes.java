package dev.relay.intake;

import dev.relay.delivery.NewMessage;
import dev.relay.intake.IntakeService.Intake;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * A room's intakes on this node, one store at a time, the ones that arrive meanwhile together: a
 * room's intakes queue on its row lock anyway, one transaction after the other, so a burst into one
 * room that the node cannot store as fast as it comes piles up, each intake holding a request
 * thread and a connection while it waits. Here the intakes that arrived while the room's previous
 * store ran are stored in the next one, in the order they arrived, each answered after that
 * shared commit. An intake that finds its room quiet is stored at once, alone: there is no window
 * to wait for, so nothing changes for a room that is not busy on this node.
 *
 * <p>A store runs on the thread of its first intake; that thread then hands the room to the next
 * waiting intake, which stores the ones waiting then. When a shared store fails, each of its
 * intakes is stored on its own, so one intake's failure is its own answer only.
 */
final class SameRoomIntakes {

  private final Function<NewMessage, Intake> storeOne;
  private final Function<List<NewMessage>, List<Intake>> storeTogether;
  private final int most;
  // a room is here while one of its intakes stores; its queue holds the intakes waiting for it
  private final ConcurrentHashMap<String, Deque<Waiting>> busyRooms = new ConcurrentHashMap<>();

  /**
   * @param storeOne stores one message in a transaction of its own
   * @param storeTogether stores several messages of one room in one transaction, answering each in
   *     their order
   * @param most the most intakes one store takes
   */
  SameRoomIntakes(
      Function<NewMessage, Intake> storeOne,
      Function<List<NewMessage>, List<Intake>> storeTogether,
      int most) {
    if (most < 1) {
      throw new IllegalArgumentException("most must be at least 1, not " + most);
    }
    this.storeOne = storeOne;
    this.storeTogether = storeTogether;
    this.most = most;
  }

  Intake accept(NewMessage message) {
    Waiting mine = new Waiting(message);
    String roomId = message.roomId();
    boolean[] first = {false};
    busyRooms.compute(
        roomId,
        (room, waiting) -> {
          if (waiting == null) {
            first[0] = true;
            return new ArrayDeque<>();
          }
          waiting.add(mine);
          return waiting;
        });
    if (!first[0] && !mine.turn.join()) {
      return mine.answer();
    }
    List<Waiting> batch = new ArrayList<>();
    batch.add(mine);
    try {
      busyRooms.computeIfPresent(
          roomId,
          (room, waiting) -> {
            while (batch.size() < most && !waiting.isEmpty()) {
              batch.add(waiting.poll());
            }
            return waiting;
          });
      store(batch);
    } finally {
      handOver(roomId);
      batch.forEach(Waiting::unanswered);
    }
    return mine.answer();
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

  /** The room goes to the intake that waits longest, or is quiet again when none waits. */
  private void handOver(String roomId) {
    Waiting[] next = {null};
    busyRooms.computeIfPresent(
        roomId,
        (room, waiting) -> {
          next[0] = waiting.poll();
          return next[0] == null ? null : waiting;
        });
    if (next[0] != null) {
      next[0].turn.complete(true);
    }
  }

  /** An intake of a busy room: it either gets the room's turn or its answer from another's. */
  private static final class Waiting {
    private final NewMessage message;
    // true: store now (and take the ones waiting then); false: answered by another intake's store
    private final CompletableFuture<Boolean> turn = new CompletableFuture<>();
    private Intake answer;
    private RuntimeException failure;

    Waiting(NewMessage message) {
      this.message = message;
    }

    void answered(Intake intake) {
      answer = intake;
      turn.complete(false);
    }

    void failed(RuntimeException e) {
      failure = e;
      turn.complete(false);
    }

    /** A store that ended without answering (an Error): the waiting intake fails with it. */
    void unanswered() {
      if (answer == null && failure == null) {
        failed(
            new IllegalStateException(
                "The store of message " + message.messageId() + " ended without an answer"));
      }
    }

    Intake answer() {
      if (failure != null) {
        throw failure;
      }
      return answer;
    }
  }
}
