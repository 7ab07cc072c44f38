package dev.relay.delivery;

import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.springframework.stereotype.Component;

/** Task_MarkUnconfirmed: every attempt was made and none was acknowledged. */
@Component("markUnconfirmedDelegate")
class MarkUnconfirmedDelegate implements JavaDelegate {

  private final DeliveryService deliveries;

  MarkUnconfirmedDelegate(DeliveryService deliveries) {
    this.deliveries = deliveries;
  }

  @Override
  public void execute(DelegateExecution execution) {
    deliveries.giveUp(MessageResendProcess.messageId(execution), MessageStatus.UNCONFIRMED);
  }
}
