package dev.relay.delivery;

/**
 * A message's status (API.md §2). It only moves forward: QUEUED → DISPATCHED → DELIVERED → READ,
 * or to one of the ends FAILED / UNCONFIRMED before any ACK.
 */
public enum MessageStatus {
  QUEUED(0),
  DISPATCHED(1),
  DELIVERED(2),
  READ(3),
  UNCONFIRMED(4),
  FAILED(4);

  private final int rank;

  MessageStatus(int rank) {
    this.rank = rank;
  }

  public boolean isAcknowledged() {
    return this == DELIVERED || this == READ;
  }

  /** FAILED or UNCONFIRMED: the delivery was given up. */
  public boolean isGivenUp() {
    return this == FAILED || this == UNCONFIRMED;
  }

  /** Whether moving from this status to {@code next} goes forward. */
  public boolean canMoveTo(MessageStatus next) {
    if (isGivenUp()) {
      return false;
    }
    if (next.isGivenUp()) {
      return !isAcknowledged();
    }
    return next.rank > rank;
  }
}
