package dev.relay.intake;

import dev.relay.delivery.Message;
import dev.relay.delivery.MessageStore;
import dev.relay.delivery.NewMessage;
import dev.relay.room.RoomQueue;
import org.camunda.bpm.engine.OptimisticLockingException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Accepts a message (API.md §1): stores it with its room's next sequence and wakes or starts its
 * room's instance in one transaction, so an accepted message always has an instance that will
 * take it, and a failed intake leaves nothing behind, not even a gap in the room's sequence.
 */
@Service
public class IntakeService {

  /**
   * Waking an idle room's instance collides with its idle timer when that fires, or is being
   * acquired, at the same moment (optimistic locking); the whole intake is then rolled back and
   * tried again: by then the instance has ended (a new one starts) or the timer is gone.
   */
  private static final int ATTEMPTS = 5;

  private static final Logger log = LoggerFactory.getLogger(IntakeService.class);

  private final MessageStore messages;
  private final RoomQueue rooms;
  private final TransactionTemplate transaction;

  IntakeService(
      MessageStore messages,
      RoomQueue rooms,
      PlatformTransactionManager transactions) {
    this.messages = messages;
    this.rooms = rooms;
    this.transaction = new TransactionTemplate(transactions);
  }

  public Intake accept(NewMessage message) {
    for (int attempt = 1; ; attempt++) {
      try {
        return transaction.execute(tx -> acceptNew(message));
      } catch (DuplicateKeyException known) {
        // a repeat, or a concurrent twin that won: answer with what is stored
        return transaction.execute(tx -> repeated(message));
      } catch (OptimisticLockingException collision) {
        // nothing was stored: decide again
        if (attempt == ATTEMPTS) {
          throw collision;
        }
        log.debug("Intake of {} collided with its room's instance, attempt {}", message.messageId(), attempt);
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

  private Intake repeated(NewMessage message) {
    Message stored = stored(message);
    return new Intake(
        stored.sameContentAs(message) ? Intake.Kind.REPEATED : Intake.Kind.CONFLICT, stored);
  }

  private Message stored(NewMessage message) {
    return messages
        .find(message.messageId())
        .orElseThrow(() -> new IllegalStateException("message " + message.messageId() + " vanished"));
  }

  public record Intake(Kind kind, Message message) {
    public enum Kind {
      ACCEPTED,
      REPEATED,
      CONFLICT
    }
  }
}
