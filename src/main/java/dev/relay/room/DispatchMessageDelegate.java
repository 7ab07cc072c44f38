package dev.relay.room;

import static dev.relay.room.RoomDeliveryProcess.ERROR_DISPATCH_RETRIES_EXHAUSTED;
import static dev.relay.room.RoomDeliveryProcess.VAR_CHANNEL;

import dev.relay.channel.TransientProviderException;
import dev.relay.delivery.DeliveryReport;
import dev.relay.delivery.DeliveryService;
import org.camunda.bpm.engine.delegate.BpmnError;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.camunda.bpm.engine.variable.Variables;
import org.springframework.stereotype.Component;

/**
 * Task_DispatchMessage: the room's message to its provider. A transient failure fails the job
 * (the engine retries); the last try the retry cycle allows hands the message over instead, so
 * the room is never held by an incident.
 */
@Component("dispatchMessageDelegate")
class DispatchMessageDelegate implements JavaDelegate {

  private final DeliveryService deliveries;

  DispatchMessageDelegate(DeliveryService deliveries) {
    this.deliveries = deliveries;
  }

  @Override
  public void execute(DelegateExecution execution) {
    String messageId = RoomDeliveryProcess.messageId(execution);
    DeliveryService.Dispatch dispatch;
    try {
      dispatch = deliveries.dispatch(messageId);
    } catch (TransientProviderException e) {
      if (deliveries.dispatchRetriesExhausted(messageId)) {
        throw new BpmnError(ERROR_DISPATCH_RETRIES_EXHAUSTED, e.getMessage());
      }
      throw e;
    }
    execution.setVariable(DeliveryReport.VARIABLE, dispatch.report().asVariable());
    execution.setVariable(VAR_CHANNEL, Variables.stringValue(dispatch.channel(), true));
  }
}
