package dev.relay.delivery;

import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.springframework.stereotype.Component;

/** Task_SendFallbackEmail. */
@Component("sendFallbackEmailDelegate")
class SendFallbackEmailDelegate implements JavaDelegate {

  private final DeliveryService deliveries;

  SendFallbackEmailDelegate(DeliveryService deliveries) {
    this.deliveries = deliveries;
  }

  @Override
  public void execute(DelegateExecution execution) {
    deliveries.sendFallbackEmail(execution.getProcessBusinessKey());
  }
}
