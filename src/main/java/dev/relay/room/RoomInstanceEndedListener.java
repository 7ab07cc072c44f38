package dev.relay.room;

import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.ExecutionListener;
import org.springframework.stereotype.Component;

/** The room instance's end listener: idle end or cancellation, see {@link RoomQueue#instanceEnded}. */
@Component("roomInstanceEndedListener")
class RoomInstanceEndedListener implements ExecutionListener {

  private final RoomQueue queue;

  RoomInstanceEndedListener(RoomQueue queue) {
    this.queue = queue;
  }

  @Override
  public void notify(DelegateExecution execution) {
    queue.instanceEnded(RoomDeliveryProcess.roomId(execution), execution.getProcessInstanceId());
  }
}
