package dev.relay.delivery;

import static dev.relay.delivery.MessageDeliveryProcess.*;

import dev.relay.room.DeliveryInstances;
import java.util.HashMap;
import java.util.Map;
import org.camunda.bpm.engine.RuntimeService;
import org.springframework.stereotype.Component;

/** The one place that starts delivery instances and correlates messages to them. */
@Component
class DeliveryProcess implements DeliveryInstances {

  private final RuntimeService runtime;

  DeliveryProcess(RuntimeService runtime) {
    this.runtime = runtime;
  }

  /** Starts the delivery; runs synchronously up to the turn claim and the first async step. */
  void start(NewMessage message) {
    Map<String, Object> variables = new HashMap<>();
    variables.put(VAR_CHANNEL, message.channel());
    variables.put(VAR_ROOM_ID, message.roomId());
    variables.put(VAR_ATTEMPT, 0);
    variables.put(VAR_ACKNOWLEDGED, false);
    variables.put(VAR_READ, false);
    variables.put(VAR_HAS_FALLBACK_EMAIL, message.fallbackEmail() != null);
    runtime
        .createProcessInstanceByKey(KEY)
        .businessKey(message.messageId())
        .setVariables(variables)
        .execute();
  }

  /** @return whether an instance was waiting for the ACK (false: it is recorded anyway). */
  boolean acknowledged(String messageId, boolean read) {
    return correlate(MESSAGE_DELIVERY_ACKNOWLEDGED, messageId, Map.of(VAR_READ, read));
  }

  boolean read(String messageId) {
    return correlate(MESSAGE_READ, messageId, Map.of());
  }

  boolean failed(String messageId) {
    return correlate(MESSAGE_DELIVERY_FAILED, messageId, Map.of());
  }

  @Override
  public boolean grantTurn(String messageId) {
    return correlate(MESSAGE_TURN_GRANTED, messageId, Map.of());
  }

  @Override
  public boolean isRunning(String messageId) {
    return runtime
            .createProcessInstanceQuery()
            .processDefinitionKey(KEY)
            .processInstanceBusinessKey(messageId)
            .count()
        > 0;
  }

  /** Correlates to whoever waits, never failing when nobody does (the status is stored). */
  private boolean correlate(String message, String messageId, Map<String, Object> variables) {
    return !runtime
        .createMessageCorrelation(message)
        .processInstanceBusinessKey(messageId)
        .setVariables(variables)
        .correlateAllWithResult()
        .isEmpty();
  }
}
