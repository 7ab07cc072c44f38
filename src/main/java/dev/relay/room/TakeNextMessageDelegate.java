package dev.relay.room;

import static dev.relay.room.RoomDeliveryProcess.VAR_MESSAGE_ID;

import java.util.Optional;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.springframework.stereotype.Component;

/** Task_TakeNextMessage: the room's next waiting message, or none (then the room goes idle). */
@Component("takeNextMessageDelegate")
class TakeNextMessageDelegate implements JavaDelegate {

  private final RoomQueue queue;

  TakeNextMessageDelegate(RoomQueue queue) {
    this.queue = queue;
  }

  @Override
  public void execute(DelegateExecution execution) {
    Optional<RoomQueue.Taken> next =
        queue.takeNext(RoomDeliveryProcess.roomId(execution), execution.getProcessInstanceId());
    execution.setVariable(VAR_MESSAGE_ID, next.map(RoomQueue.Taken::messageId).orElse(null));
  }
}
