package dev.relay.room;

import dev.relay.timeline.Timeline;
import dev.relay.timeline.TimelineEvent;
import java.time.Instant;
import java.util.Optional;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * A room's queue, all of it: messages get consecutive sequences and wait; the room's one
 * instance takes them one at a time, in sequence order. Intake numbers a room's messages under the
 * room row's lock, one transaction at a time, so the committed ones always hold the room's lowest
 * sequences: the working instance takes the lowest waiting one without that lock. "None waiting:
 * go idle" and intake's "wake, start or leave it" decide under it, inside the caller's transaction
 * (the one that also moves the process), so no message is left waiting without an instance that
 * will take it, on any number of nodes.
 */
@Service
@Transactional(propagation = Propagation.MANDATORY)
public class RoomQueue {

  private final RoomRepository rooms;
  private final RoomInstances instances;
  private final Timeline timeline;

  RoomQueue(RoomRepository rooms, RoomInstances instances, Timeline timeline) {
    this.rooms = rooms;
    this.instances = instances;
    this.timeline = timeline;
  }

  /** The room's next sequence. Locks the room until the intake transaction ends. */
  public Ticket nextSequence(String roomId) {
    return nextSequences(roomId, 1);
  }

  /**
   * The room's next {@code count} sequences, from the ticket's on, for messages stored together.
   * Locks the room until the intake transaction ends; a transaction that takes several rooms takes
   * them in one order everywhere (see IntakeService), so that two never wait for each other.
   */
  public Ticket nextSequences(String roomId, int count) {
    return rooms.incrementSequence(roomId, count);
  }

  /**
   * The ticket's message is stored, waiting: wakes the room's instance if it waits idle, leaves it
   * alone if it is busy (it takes the message in its turn), and starts one if the room has none
   * alive (never had one, ended idle, or was cancelled).
   */
  public void messageQueued(Ticket ticket) {
    String current = ticket.instanceId();
    boolean alive =
        current != null && (ticket.idle() ? instances.wake(current) : instances.isRunning(current));
    if (!alive) {
      instances.start(ticket.roomId());
    }
  }

  /**
   * The instance's "take next / go idle" decision: the room's lowest waiting message is now the
   * one the instance works on, or, with none waiting, the instance waits idle. The room's working
   * instance moving on from its message takes without the room's lock, so it never waits for an
   * intake in progress, nor intake for it; going idle, a new instance and a woken one decide under
   * the lock. A new instance first puts back the message its predecessor was working on when it
   * was cancelled, unless that one has been reported since; an instance started while the room has
   * a live one takes nothing.
   */
  Optional<Taken> takeNext(String roomId, String instanceId) {
    Optional<Taken> next = rooms.takeNextAsWorkingInstance(roomId, instanceId, Instant.now());
    if (next.isPresent()) {
      return next;
    }
    RoomRepository.Locked room = rooms.lock(roomId).orElseThrow(() -> unknown(roomId));
    String current = room.instanceId();
    if (!instanceId.equals(current) && current != null) {
      if (instances.isRunning(current)) {
        return Optional.empty();
      }
      if (!room.idle()) { // an instance that ended idle was working on nothing
        rooms.interruptedMessage(roomId, current).ifPresent(message -> putBack(message, current));
      }
    }
    next = rooms.takeNext(roomId, instanceId, Instant.now()); // after a put-back's REQUEUED
    rooms.setInstance(roomId, instanceId, next.isEmpty());
    return next;
  }

  /** The message a cancelled instance was working on goes back to the head of its room's queue. */
  private void putBack(RoomRepository.Interrupted message, String cancelledInstance) {
    if (rooms.requeue(message.messageId(), cancelledInstance)) {
      // its first grant leaves the row's taken_at to the next one: keep it on the timeline
      message.takenAt().ifPresent(at ->
          timeline.record(message.messageId(), TimelineEvent.TURN_GRANTED, null, null, at));
      timeline.record(message.messageId(), TimelineEvent.REQUEUED);
    }
  }

  @Transactional(propagation = Propagation.SUPPORTS, readOnly = true)
  public Optional<RoomView> view(String roomId) {
    return rooms.view(roomId);
  }

  private static IllegalStateException unknown(String roomId) {
    return new IllegalStateException("room " + roomId + " does not exist");
  }

  /**
   * A room's sequence as intake got it (the first, when it got several), with the room's instance
   * as it was then.
   */
  public record Ticket(String roomId, long sequence, String instanceId, boolean idle) {}

  /** The message an instance works on now. */
  record Taken(String messageId, String channel) {}
}
