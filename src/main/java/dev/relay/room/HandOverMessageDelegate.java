package dev.relay.room;

import dev.relay.delivery.DeliveryService;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.springframework.stereotype.Component;

/** Task_HandOverMessage: the message goes on in a process of its own; the room moves on. */
@Component("handOverMessageDelegate")
class HandOverMessageDelegate implements JavaDelegate {

  private final DeliveryService deliveries;

  HandOverMessageDelegate(DeliveryService deliveries) {
    this.deliveries = deliveries;
  }

  @Override
  public void execute(DelegateExecution execution) {
    deliveries.handOver(RoomDeliveryProcess.messageId(execution));
  }
}
