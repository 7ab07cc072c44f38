package dev.relay.intake;

import dev.relay.delivery.Message;
import dev.relay.delivery.MessageStore;
import dev.relay.delivery.NewMessage;
import dev.relay.logs.MessageLog;
import dev.relay.room.RoomQueue;
import jakarta.annotation.PreDestroy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.camunda.bpm.engine.OptimisticLockingException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.scheduling.concurrent.CustomizableThreadFactory;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Accepts a message (API.md §1): stores it with its room's next sequence and wakes or starts its
 * room's instance in one transaction, so an accepted message always has an instance that will
 * take it, and a failed intake leaves nothing behind, not even a gap in the room's sequence.
 * {@link #acceptAll} does the same for a batch (the Kafka intake's poll) in one transaction, and so
 * do the intakes of one room that arrive while the room's previous one is stored, and the rooms'
 * stores that fall due while every store thread is busy ({@link SameRoomIntakes}).
 */
@Service
public class IntakeService {

  /**
   * Waking an idle room's instance collides with its idle timer when that fires, or is being
   * acquired, at the same moment (optimistic locking); the whole intake is then rolled back and
   * tried again: by then the instance has ended (a new one starts) or the timer is gone.
   */
  private static final int ATTEMPTS = 5;

  /** The most intakes of a room that one store takes, and about the most it shares: bounds it. */
  private static final int MOST_TOGETHER = 50;

  private static final Logger log = LoggerFactory.getLogger(IntakeService.class);

  private final MessageStore messages;
  private final RoomQueue rooms;
  private final TransactionTemplate transaction;
  // unbounded: an intake waits here holding nothing but its request; the client bounds how many
  private final ThreadPoolExecutor stores;
  private final SameRoomIntakes sameRoom;

  IntakeService(
      MessageStore messages,
      RoomQueue rooms,
      PlatformTransactionManager transactions,
      IntakeProperties properties) {
    this.messages = messages;
    this.rooms = rooms;
    this.transaction = new TransactionTemplate(transactions);
    this.stores =
        new ThreadPoolExecutor(
            properties.threads(),
            properties.threads(),
            0,
            TimeUnit.MILLISECONDS,
            new LinkedBlockingQueue<>(),
            new CustomizableThreadFactory("intake-"));
    this.sameRoom = new SameRoomIntakes(this::acceptOne, this::acceptTogether, MOST_TOGETHER, stores);
  }

  /**
   * Accepts the message on the intake's own threads ({@link SameRoomIntakes}).
   *
   * @return the answer once the message is stored (or known), or why it could not be
   */
  public CompletableFuture<Intake> accept(NewMessage message) {
    return sameRoom.accept(message);
  }

  /** The intakes already received are stored and answered before the node stops. */
  @PreDestroy
  void stop() throws InterruptedException {
    stores.shutdown();
    if (!stores.awaitTermination(30, TimeUnit.SECONDS)) {
      log.warn("Intakes still storing after 30 s; the node stops without their answers");
    }
  }

  private Intake acceptOne(NewMessage message) {
    try (var logged = MessageLog.open(message.messageId(), message.roomId())) {
      Intake intake;
      try {
        intake = retried(() -> acceptNew(message), message.messageId());
      } catch (DuplicateKeyException known) {
        // a repeat, or a concurrent twin that won: answer with what is stored
        intake = transaction.execute(tx -> repeated(message));
      }
      log.debug("Intake: {}", intake.kind());
      return intake;
    }
  }

  /**
   * Accepts the messages as {@link #accept} would one by one, in this order, in one transaction:
   * each room's messages get its next sequences in the batch's order, and each room's instance is
   * woken or started once. Repeats and conflicts (also of an earlier message of the batch) are
   * answered, not stored. Rooms are locked in the order of their ids, so two batches that share
   * rooms (two nodes, during a rebalance) queue on each other instead of deadlocking.
   *
   * @return one answer per message, in the batch's order
   */
  public List<Intake> acceptAll(List<NewMessage> batch) {
    String what = "a batch of " + batch.size();
    try {
      return retried(() -> acceptBatch(batch), what);
    } catch (DuplicateKeyException twin) {
      // a message of the batch was stored meanwhile (REST, or another node): now it is known
      log.debug("{} met a message stored concurrently; trying again", what);
      return retried(() -> acceptBatch(batch), what);
    }
  }

  private List<Intake> acceptTogether(List<NewMessage> messages) {
    String roomId = messages.get(0).roomId();
    boolean oneRoom = messages.stream().allMatch(message -> message.roomId().equals(roomId));
    List<Intake> intakes;
    try (var logged = MessageLog.open(null, oneRoom ? roomId : null)) {
      intakes = acceptAll(messages);
    }
    // each intake's line names its message, as a lone intake's does (grep messageId=…)
    for (int i = 0; i < intakes.size(); i++) {
      NewMessage message = messages.get(i);
      try (var logged = MessageLog.open(message.messageId(), message.roomId())) {
        log.debug("Intake: {}, stored with {} more", intakes.get(i).kind(), intakes.size() - 1);
      }
    }
    return intakes;
  }

  /** Runs the intake in a transaction; tries it again after a collision with a room's instance. */
  private <T> T retried(Supplier<T> intake, String what) {
    for (int attempt = 1; ; attempt++) {
      try {
        return transaction.execute(tx -> intake.get());
      } catch (OptimisticLockingException collision) {
        // nothing was stored: decide again
        if (attempt == ATTEMPTS) {
          throw collision;
        }
        log.debug("Intake of {} collided with a room's instance, attempt {}", what, attempt);
      }
    }
  }

  /** A new message is the common case: storing it is how a repeat is found (its key exists). */
  private Intake acceptNew(NewMessage message) {
    RoomQueue.Ticket ticket = rooms.nextSequence(message.roomId());
    Message stored = messages.store(message, ticket.sequence());
    rooms.messageQueued(ticket);
    return new Intake(Intake.Kind.ACCEPTED, stored);
  }

  /**
   * Finds the repeats first (one query): on PostgreSQL a failed insert would end the transaction.
   * Then locks every room of the new messages, in id order, before any instance moves.
   */
  private List<Intake> acceptBatch(List<NewMessage> batch) {
    Map<String, Message> known =
        messages.findAll(batch.stream().map(NewMessage::messageId).distinct().toList());
    Intake[] answers = new Intake[batch.size()];
    Map<String, Integer> firstInBatch = new HashMap<>();
    Map<String, List<Integer>> newByRoom = new TreeMap<>();
    for (int i = 0; i < batch.size(); i++) {
      NewMessage message = batch.get(i);
      Message stored = known.get(message.messageId());
      if (stored != null) {
        answers[i] = answer(stored, message);
      } else if (firstInBatch.putIfAbsent(message.messageId(), i) == null) {
        newByRoom.computeIfAbsent(message.roomId(), room -> new ArrayList<>()).add(i);
      }
    }

    List<RoomQueue.Ticket> tickets = new ArrayList<>(newByRoom.size());
    List<NewMessage> fresh = new ArrayList<>();
    List<Long> sequences = new ArrayList<>();
    newByRoom.forEach(
        (roomId, indexes) -> {
          RoomQueue.Ticket ticket = rooms.nextSequences(roomId, indexes.size());
          tickets.add(ticket);
          for (int k = 0; k < indexes.size(); k++) {
            fresh.add(batch.get(indexes.get(k)));
            sequences.add(ticket.sequence() + k);
          }
        });
    List<Message> stored = messages.storeAll(fresh, sequences);
    tickets.forEach(rooms::messageQueued);

    Map<String, Message> storedNow = new HashMap<>();
    stored.forEach(m -> storedNow.put(m.messageId(), m));
    for (int i = 0; i < batch.size(); i++) {
      if (answers[i] == null) {
        NewMessage message = batch.get(i);
        Message mine = storedNow.get(message.messageId());
        answers[i] =
            firstInBatch.get(message.messageId()) == i
                ? new Intake(Intake.Kind.ACCEPTED, mine)
                : answer(mine, message);
      }
    }
    return Arrays.asList(answers);
  }

  private Intake repeated(NewMessage message) {
    Message stored =
        messages
            .find(message.messageId())
            .orElseThrow(
                () -> new IllegalStateException("message " + message.messageId() + " vanished"));
    return answer(stored, message);
  }

  /** A message whose id is stored already: a repeat, or a conflict if its content differs. */
  private static Intake answer(Message stored, NewMessage message) {
    return new Intake(
        stored.sameContentAs(message) ? Intake.Kind.REPEATED : Intake.Kind.CONFLICT, stored);
  }

  public record Intake(Kind kind, Message message) {
    public enum Kind {
      ACCEPTED,
      REPEATED,
      CONFLICT
    }

    /** Why a conflict is refused (409): the same words over REST and on the dead-letter topic. */
    String conflict() {
      return "Message " + message.messageId() + " was already accepted with other content";
    }
  }
}
