package dev.relay.delivery;

import static dev.relay.delivery.MessageDeliveryProcess.*;

import dev.relay.channel.ProviderRejectedException;
import dev.relay.delivery.DeliveryService.DispatchOutcome;
import org.camunda.bpm.engine.delegate.BpmnError;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.springframework.stereotype.Component;

/** Task_DispatchMessage: one provider call. Transient failures fail the job (engine retries). */
@Component("dispatchMessageDelegate")
class DispatchMessageDelegate implements JavaDelegate {

  private final DeliveryService deliveries;

  DispatchMessageDelegate(DeliveryService deliveries) {
    this.deliveries = deliveries;
  }

  @Override
  public void execute(DelegateExecution execution) {
    DispatchOutcome outcome;
    try {
      outcome = deliveries.dispatch(execution.getProcessBusinessKey());
    } catch (ProviderRejectedException e) {
      throw new BpmnError(ERROR_PROVIDER_REJECTED, e.getMessage());
    }
    if (outcome.failed()) {
      throw new BpmnError(ERROR_PROVIDER_REJECTED, "the provider reported the message failed");
    }
    execution.setVariable(VAR_ATTEMPT, outcome.attempt());
    execution.setVariable(VAR_ACKNOWLEDGED, outcome.acknowledged());
    execution.setVariable(VAR_READ, outcome.read());
  }
}
