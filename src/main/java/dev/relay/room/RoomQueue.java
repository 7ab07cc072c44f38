package dev.relay.room;

import dev.relay.timeline.Timeline;
import dev.relay.timeline.TimelineEvent;
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
    return rooms.incrementSequence(roomId);
  }

  /**
   * The ticket's message is stored, waiting: starts the room's instance if it has none, wakes it
   * if it waits idle, and leaves it alone if it is busy (it takes the message in its turn).
   */
  public void messageQueued(Ticket ticket) {
    if (ticket.instanceId() == null || ticket.idle() && !instances.wake(ticket.instanceId())) {
      instances.start(ticket.roomId());
    }
  }

  /**
   * The instance's "take next / go idle" decision: the room's lowest waiting message is now the
   * one the instance works on, or, with none waiting, the instance waits idle.
   */
  Optional<Taken> takeNext(String roomId, String instanceId) {
    rooms.lock(roomId);
    Optional<Taken> next = rooms.nextWaiting(roomId);
    next.ifPresent(
        message -> {
          rooms.take(message.messageId(), instanceId);
          timeline.record(message.messageId(), TimelineEvent.TURN_GRANTED);
        });
    rooms.setWorking(roomId, instanceId, next.map(Taken::messageId).orElse(null));
    return next;
  }

  /**
   * The room's instance ended: idle for long enough, or cancelled (from Cockpit, say). A message
   * it was working on and that is not yet reported goes back to the head of the queue, and the
   * messages still waiting get a new instance at once: nothing is lost, nothing is skipped.
   */
  void instanceEnded(String roomId, String instanceId) {
    Optional<RoomRepository.Working> working = rooms.lock(roomId);
    if (working.isEmpty() || !instanceId.equals(working.get().instanceId())) {
      return;
    }
    String current = working.get().messageId();
    if (current != null && rooms.requeue(current, instanceId)) {
      timeline.record(current, TimelineEvent.REQUEUED);
    }
    rooms.clearInstance(roomId);
    if (rooms.nextWaiting(roomId).isPresent()) {
      instances.start(roomId);
    }
  }

  @Transactional(propagation = Propagation.SUPPORTS, readOnly = true)
  public Optional<RoomView> view(String roomId) {
    return rooms.view(roomId);
  }

  /** A room's sequence as intake got it, with the room's instance as it was then. */
  public record Ticket(String roomId, long sequence, String instanceId, boolean idle) {}

  /** The message an instance works on now. */
  record Taken(String messageId, String channel) {}
}
