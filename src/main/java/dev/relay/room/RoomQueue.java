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
 * instance takes them one at a time, in sequence order. Intake and the instance's "take next / go
 * idle" decide under the room row's lock, inside the caller's transaction (the one that also moves
 * the process), so no message is left waiting without an instance that will take it, on any
 * number of nodes.
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
   * one the instance works on, or, with none waiting, the instance waits idle. A new instance
   * first puts back the message its predecessor was working on when it was cancelled, unless that
   * one has been reported since; an instance started while the room has a live one takes nothing.
   */
  Optional<Taken> takeNext(String roomId, String instanceId) {
    RoomRepository.Working room = rooms.lock(roomId).orElseThrow(() -> unknown(roomId));
    if (!instanceId.equals(room.instanceId()) && room.instanceId() != null) {
      if (instances.isRunning(room.instanceId())) {
        return Optional.empty();
      }
      String interrupted = room.messageId();
      Optional<Instant> takenAt = interrupted == null ? Optional.empty() : rooms.takenAt(interrupted);
      if (interrupted != null && rooms.requeue(interrupted, room.instanceId())) {
        // its first grant leaves the row's taken_at to the next one: keep it on the timeline
        takenAt.ifPresent(at -> timeline.record(interrupted, TimelineEvent.TURN_GRANTED, null, null, at));
        timeline.record(interrupted, TimelineEvent.REQUEUED);
      }
    }
    Optional<Taken> next = rooms.takeNext(roomId, instanceId, Instant.now());
    rooms.setWorking(roomId, instanceId, next.map(Taken::messageId).orElse(null));
    return next;
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
