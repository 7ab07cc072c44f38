package dev.relay.delivery;

import org.camunda.bpm.engine.variable.Variables;
import org.camunda.bpm.engine.variable.value.TypedValue;

/**
 * What the provider has reported of a message so far, as the diagrams' gateways read it
 * (transient variable {@value #VARIABLE}). Both RoomDeliveryProcess and MessageResendProcess
 * wait for it with the message {@value #MESSAGE}; the webhook correlates it to the instance that
 * waits, by that instance's id.
 */
public enum DeliveryReport {
  /** no ACK and no failure yet: wait for one */
  NONE,
  /** the delivery ACK (or a read report, which implies it) */
  DELIVERED,
  /** the provider rejected the message or reported it failed */
  FAILED;

  public static final String MESSAGE = "DeliveryReported";
  public static final String VARIABLE = "deliveryReport";

  /** As the variable the gateways read: transient, so it is never stored and never stale. */
  public TypedValue asVariable() {
    return Variables.stringValue(name(), true);
  }

  static DeliveryReport of(MessageStatus status) {
    if (status.isAcknowledged()) {
      return DELIVERED;
    }
    return status == MessageStatus.FAILED ? FAILED : NONE;
  }
}
