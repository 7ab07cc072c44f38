package dev.relay.delivery;

import java.time.Instant;

/** One status a provider reported (API.md §4). */
public record ProviderStatus(
    String channel, String providerMessageId, String reference, Kind kind, Instant reportedAt) {

  public enum Kind {
    SENT,
    DELIVERED,
    READ,
    FAILED
  }

  /** What a status did. */
  public enum Outcome {
    /** moved the message forward */
    APPLIED,
    /** only noted (sent) */
    NOTED,
    /** already known */
    DUPLICATE,
    /** older than what is known: nothing goes backwards */
    STALE,
    /** an ACK after the delivery was given up: recorded, nothing else changes */
    LATE,
    /** no message of this channel has that reference or provider id */
    UNKNOWN
  }
}
