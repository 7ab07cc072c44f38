package dev.relay.delivery;

import dev.relay.room.RoomTurns;
import dev.relay.timeline.Timeline;
import dev.relay.timeline.TimelineEvent;
import java.time.Instant;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Accepts a message (API.md §1): stores it with its room's next sequence and starts its delivery
 * in one transaction, so an accepted message always has a delivery and a failed intake leaves
 * nothing behind, not even a gap in the room's sequence.
 */
@Service
public class IntakeService {

  private final MessageRepository messages;
  private final RoomTurns rooms;
  private final DeliveryProcess process;
  private final Timeline timeline;
  private final TransactionTemplate transaction;

  IntakeService(
      MessageRepository messages,
      RoomTurns rooms,
      DeliveryProcess process,
      Timeline timeline,
      PlatformTransactionManager transactions) {
    this.messages = messages;
    this.rooms = rooms;
    this.process = process;
    this.timeline = timeline;
    this.transaction = new TransactionTemplate(transactions);
  }

  public Intake accept(NewMessage message) {
    try {
      return transaction.execute(tx -> acceptOnce(message));
    } catch (DuplicateKeyException concurrentTwin) {
      // the same messageId was accepted by a concurrent request: answer as for a repeat
      return transaction.execute(tx -> acceptOnce(message));
    }
  }

  private Intake acceptOnce(NewMessage message) {
    var existing = messages.find(message.messageId());
    if (existing.isPresent()) {
      Message stored = existing.get();
      return new Intake(
          stored.sameContentAs(message) ? Intake.Kind.REPEATED : Intake.Kind.CONFLICT, stored);
    }
    long sequence = rooms.nextSequence(message.roomId());
    messages.insert(message, sequence, Instant.now());
    timeline.record(message.messageId(), TimelineEvent.ACCEPTED);
    process.start(message);
    return new Intake(Intake.Kind.ACCEPTED, messages.find(message.messageId()).orElseThrow());
  }

  public record Intake(Kind kind, Message message) {
    public enum Kind {
      ACCEPTED,
      REPEATED,
      CONFLICT
    }
  }
}
