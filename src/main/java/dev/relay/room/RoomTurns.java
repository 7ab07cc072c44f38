package dev.relay.room;

import dev.relay.timeline.Timeline;
import dev.relay.timeline.TimelineEvent;
import java.time.Instant;
import java.util.Optional;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * Per-room ordering, all of it: a room's messages get consecutive sequences and take the room's
 * turn one at a time, in sequence order. Every change happens under the room row's lock, inside
 * the caller's transaction (the one that also moves the process), so any number of engines on one
 * database agree on who holds a turn.
 */
@Service
@Transactional(propagation = Propagation.MANDATORY)
public class RoomTurns {

  private final RoomRepository rooms;
  private final Timeline timeline;
  private final DeliveryInstances deliveries;

  RoomTurns(RoomRepository rooms, Timeline timeline, DeliveryInstances deliveries) {
    this.rooms = rooms;
    this.timeline = timeline;
    this.deliveries = deliveries;
  }

  /** The room's next sequence. Locks the room until the intake transaction ends. */
  public long nextSequence(String roomId) {
    return rooms.incrementSequence(roomId);
  }

  /**
   * Called once per message, in its intake transaction, after it is stored as WAITING.
   *
   * @return true when the message holds the turn now; otherwise it is woken by {@link
   *     DeliveryInstances} when its turn comes
   */
  public boolean claim(String roomId, String messageId) {
    Optional<String> holder = rooms.lockAndGetHolder(roomId);
    if (holder.isPresent()) {
      return holder.get().equals(messageId);
    }
    return handOver(roomId, messageId).filter(messageId::equals).isPresent();
  }

  /**
   * The message gives up the turn for good (ACK, gate timeout, failure, end, cancellation).
   * Idempotent; when it held the turn, the next waiting message gets it.
   *
   * @return whether the message held the turn
   */
  public boolean release(String roomId, String messageId) {
    // message row before room row: the order the webhook and the dispatch take them in
    rooms.lockMessage(messageId);
    boolean held = rooms.lockAndGetHolder(roomId).filter(messageId::equals).isPresent();
    rooms.markPassed(messageId);
    if (held) {
      timeline.record(messageId, TimelineEvent.TURN_PASSED);
      rooms.clearHolder(roomId);
      handOver(roomId, null);
    }
    return held;
  }

  /**
   * Gives the turn to the lowest waiting message that still has a live delivery. The claimant
   * (the message whose own transaction runs this) needs no wake-up.
   */
  private Optional<String> handOver(String roomId, String claimant) {
    Optional<String> next;
    while ((next = rooms.nextWaiting(roomId)).isPresent()) {
      String messageId = next.get();
      rooms.grant(roomId, messageId, Instant.now());
      timeline.record(messageId, TimelineEvent.TURN_GRANTED);
      if (messageId.equals(claimant) || deliveries.grantTurn(messageId)) {
        return next;
      }
      rooms.markPassed(messageId);
      rooms.clearHolder(roomId);
    }
    return Optional.empty();
  }

  /**
   * Frees a room whose turn holder's delivery is gone (ended without releasing, e.g. cancelled
   * with custom listeners skipped) and wakes a room that has waiting messages but no holder.
   * Safe while traffic flows: it decides under the room's lock.
   *
   * @return the message that holds the turn afterwards, if any
   */
  public Optional<String> repair(String roomId) {
    Optional<String> holder = rooms.lockAndGetHolder(roomId);
    if (holder.isPresent() && !deliveries.isRunning(holder.get())) {
      release(roomId, holder.get());
      return rooms.lockAndGetHolder(roomId);
    }
    if (holder.isEmpty()) {
      return handOver(roomId, null);
    }
    return holder;
  }

  @Transactional(propagation = Propagation.SUPPORTS, readOnly = true)
  public Optional<RoomView> view(String roomId) {
    return rooms.view(roomId);
  }
}
