package dev.relay.room;

/** What the room needs to know of the deliveries (the process engine) behind its messages. */
public interface DeliveryInstances {

  /**
   * Wakes the message that has just been given its room's turn.
   *
   * @return false when no delivery waits for the turn any more (ended or cancelled)
   */
  boolean grantTurn(String messageId);

  /** Whether the message's delivery instance still runs. */
  boolean isRunning(String messageId);
}
