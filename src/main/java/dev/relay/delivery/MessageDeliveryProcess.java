package dev.relay.delivery;

/**
 * Names shared by message-delivery.bpmn and the code: process key, messages, errors, variables.
 * The business key of every instance is the messageId; delegates load the message by it.
 */
public final class MessageDeliveryProcess {

  public static final String KEY = "MessageDeliveryProcess";

  public static final String MESSAGE_TURN_GRANTED = "TurnGranted";
  public static final String MESSAGE_DELIVERY_ACKNOWLEDGED = "DeliveryAcknowledged";
  public static final String MESSAGE_DELIVERY_FAILED = "DeliveryFailed";
  public static final String MESSAGE_READ = "MessageRead";

  public static final String ERROR_PROVIDER_REJECTED = "ProviderRejected";

  /** The channel name: the policy expressions (timers, attempts) are looked up by it. */
  public static final String VAR_CHANNEL = "channel";
  public static final String VAR_ROOM_ID = "roomId";
  public static final String VAR_TURN_GRANTED = "turnGranted";
  /** Attempts made so far (provider calls that were accepted). */
  public static final String VAR_ATTEMPT = "attempt";
  /** An ACK was already recorded when the dispatch finished (it raced the dispatch). */
  public static final String VAR_ACKNOWLEDGED = "acknowledged";
  /** A read status was already recorded when the ACK path began. */
  public static final String VAR_READ = "read";
  public static final String VAR_HAS_FALLBACK_EMAIL = "hasFallbackEmail";
  /** Input of the give-up task: FAILED or UNCONFIRMED. */
  public static final String VAR_OUTCOME = "outcome";
  /** Input of a turn release: the timeline event that says why (ACK_GATE_TIMEOUT). */
  public static final String VAR_TIMELINE_EVENT = "timelineEvent";

  private MessageDeliveryProcess() {}
}
