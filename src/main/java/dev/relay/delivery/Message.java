package dev.relay.delivery;

import java.time.Instant;
import java.util.Objects;

/** One accepted message as stored. */
public record Message(
    String messageId,
    String roomId,
    long sequence,
    String channel,
    String to,
    String body,
    String fallbackEmail,
    MessageStatus status,
    int attempts,
    String providerMessageId,
    Instant acceptedAt,
    Instant dispatchedAt,
    Instant deliveredAt,
    Instant readAt,
    Instant takenAt,
    String reportInstanceId) {

  /** Whether a repeated intake request carries the same content (API.md §1: 200, not 409). */
  public boolean sameContentAs(NewMessage other) {
    return roomId.equals(other.roomId())
        && channel.equals(other.channel())
        && to.equals(other.to())
        && body.equals(other.body())
        && Objects.equals(fallbackEmail, other.fallbackEmail());
  }
}
