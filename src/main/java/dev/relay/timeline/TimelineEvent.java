package dev.relay.timeline;

/** The steps a message's timeline can show. */
public enum TimelineEvent {
  ACCEPTED,
  TURN_GRANTED,
  DISPATCHED,
  DISPATCH_FAILED,
  /** the dispatch's retries ran out in the room: the room moved on, the message tries once more alone */
  DISPATCH_RETRIES_EXHAUSTED,
  /** no ACK within the gate: the room moved on, the message's own instance resends it */
  ACK_GATE_TIMEOUT,
  /** the room's instance was cancelled before the message was reported: it waits again */
  REQUEUED,
  SENT,
  DELIVERED,
  READ,
  LATE_ACK,
  PROVIDER_REJECTED,
  PROVIDER_FAILED,
  UNCONFIRMED,
  FAILED,
  FALLBACK_EMAIL_SENT
}
