package dev.relay.delivery;

import static dev.relay.delivery.MessageDeliveryProcess.VAR_ROOM_ID;
import static dev.relay.delivery.MessageDeliveryProcess.VAR_TURN_GRANTED;

import dev.relay.room.RoomTurns;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.springframework.stereotype.Component;

/** Task_ClaimRoomTurn: runs in the intake transaction, under the room's lock. */
@Component("claimRoomTurnDelegate")
class ClaimRoomTurnDelegate implements JavaDelegate {

  private final RoomTurns rooms;

  ClaimRoomTurnDelegate(RoomTurns rooms) {
    this.rooms = rooms;
  }

  @Override
  public void execute(DelegateExecution execution) {
    String roomId = (String) execution.getVariable(VAR_ROOM_ID);
    execution.setVariable(VAR_TURN_GRANTED, rooms.claim(roomId, execution.getProcessBusinessKey()));
  }
}
