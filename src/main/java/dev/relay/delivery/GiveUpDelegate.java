package dev.relay.delivery;

import static dev.relay.delivery.MessageDeliveryProcess.VAR_OUTCOME;

import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.springframework.stereotype.Component;

/** Task_MarkFailed / Task_MarkUnconfirmed: input {@code outcome} says which. */
@Component("giveUpDelegate")
class GiveUpDelegate implements JavaDelegate {

  private final DeliveryService deliveries;

  GiveUpDelegate(DeliveryService deliveries) {
    this.deliveries = deliveries;
  }

  @Override
  public void execute(DelegateExecution execution) {
    MessageStatus outcome = MessageStatus.valueOf((String) execution.getVariableLocal(VAR_OUTCOME));
    deliveries.giveUp(execution.getProcessBusinessKey(), outcome);
  }
}
