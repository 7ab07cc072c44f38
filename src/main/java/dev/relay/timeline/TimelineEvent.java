package dev.relay.timeline;

/** The steps a message's timeline can show. */
public enum TimelineEvent {
  ACCEPTED,
  TURN_GRANTED,
  DISPATCHED,
  DISPATCH_FAILED,
  /** the dispatch's retries ran out: an operator must retry it; the room moved on */
  DISPATCH_INCIDENT,
  ACK_GATE_TIMEOUT,
  TURN_PASSED,
  SENT,
  DELIVERED,
  READ,
  LATE_ACK,
  PROVIDER_REJECTED,
  PROVIDER_FAILED,
  UNCONFIRMED,
  FAILED,
  FALLBACK_EMAIL_SENT,
  CANCELLED
}
