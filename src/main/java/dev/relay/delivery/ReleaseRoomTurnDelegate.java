package dev.relay.delivery;

import static dev.relay.delivery.MessageDeliveryProcess.VAR_ROOM_ID;
import static dev.relay.delivery.MessageDeliveryProcess.VAR_TIMELINE_EVENT;

import dev.relay.room.RoomTurns;
import dev.relay.timeline.Timeline;
import dev.relay.timeline.TimelineEvent;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.ExecutionListener;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.camunda.bpm.engine.impl.pvm.runtime.PvmExecutionImpl;
import org.springframework.stereotype.Component;

/**
 * Passes the room's turn on. As a task (Task_ReleaseRoomTurn, Task_PassTurnOnGateTimeout, whose
 * input {@code timelineEvent} names the reason for the timeline) and as
 * the process's end listener, so an instance that ends any way, cancellation from Cockpit
 * included, does not keep its room's turn. Releasing twice is harmless.
 */
@Component("releaseRoomTurnDelegate")
class ReleaseRoomTurnDelegate implements JavaDelegate, ExecutionListener {

  private final RoomTurns rooms;
  private final Timeline timeline;

  ReleaseRoomTurnDelegate(RoomTurns rooms, Timeline timeline) {
    this.rooms = rooms;
    this.timeline = timeline;
  }

  @Override
  public void execute(DelegateExecution execution) {
    Object reason = execution.getVariableLocal(VAR_TIMELINE_EVENT);
    if (reason != null) {
      timeline.record(execution.getProcessBusinessKey(), TimelineEvent.valueOf((String) reason));
    }
    release(execution);
  }

  @Override
  public void notify(DelegateExecution execution) {
    if (execution instanceof PvmExecutionImpl pvm && pvm.isCanceled()) {
      timeline.record(execution.getProcessBusinessKey(), TimelineEvent.CANCELLED);
    }
    release(execution);
  }

  private void release(DelegateExecution execution) {
    rooms.release((String) execution.getVariable(VAR_ROOM_ID), execution.getProcessBusinessKey());
  }
}
