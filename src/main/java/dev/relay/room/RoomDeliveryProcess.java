package dev.relay.room;

import org.camunda.bpm.engine.delegate.DelegateExecution;

/**
 * Names shared by room-delivery.bpmn and the code. One instance per active room (business key =
 * roomId) works the room's queue: it takes the next waiting message, dispatches it, waits for its
 * report up to the ACK gate, and loops; idle for {@code relay.rooms.idle-timeout}, it ends.
 */
public final class RoomDeliveryProcess {

  public static final String KEY = "RoomDeliveryProcess";

  /** Intake wakes an idle room's instance with it. */
  public static final String MESSAGE_QUEUED = "MessageQueued";
  /** The dispatch's last try allowed by the retry cycle failed: the message leaves the room. */
  public static final String ERROR_DISPATCH_RETRIES_EXHAUSTED = "DispatchRetriesExhausted";

  /** The message the instance works on now; null while it waits for one. */
  public static final String VAR_MESSAGE_ID = "messageId";
  /**
   * That message's channel, for the ACK gate's timer, which is the channel's: transient, set by
   * the dispatch for the timer created right after it.
   */
  public static final String VAR_CHANNEL = "channel";

  private RoomDeliveryProcess() {}

  static String roomId(DelegateExecution execution) {
    return execution.getProcessBusinessKey();
  }

  static String messageId(DelegateExecution execution) {
    return (String) execution.getVariable(VAR_MESSAGE_ID);
  }
}
