package dev.relay.delivery;

import dev.relay.delivery.DeliveryService.Dispatch;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.springframework.stereotype.Component;

/**
 * Task_ResendMessage: one more provider call with the same Idempotency-Key. Transient failures
 * fail the job (the engine retries, then raises an incident in this, the message's own instance).
 */
@Component("resendMessageDelegate")
class ResendMessageDelegate implements JavaDelegate {

  private final DeliveryService deliveries;

  ResendMessageDelegate(DeliveryService deliveries) {
    this.deliveries = deliveries;
  }

  @Override
  public void execute(DelegateExecution execution) {
    Dispatch dispatch = deliveries.dispatch(MessageResendProcess.messageId(execution));
    MessageResendProcess.setAttempts(execution, dispatch);
    execution.setVariable(DeliveryReport.VARIABLE, dispatch.report().asVariable());
  }
}
