package dev.relay.simulator;

import com.fasterxml.jackson.annotation.JsonFormat;
import java.time.Instant;

/**
 * One provider request the simulator accepted, as the recipient's "phone" saw it. Resends of the
 * same Idempotency-Key appear again with the same {@code providerMessageId} and a higher {@code
 * attempt}, so tests can see exactly what reached the recipient and how often.
 *
 * @param attempt 1 for the first request with this key on this channel, 2 for the second, …
 */
public record InboxEntry(
    String channel,
    String reference,
    String idempotencyKey,
    String body,
    String providerMessageId,
    @JsonFormat(shape = JsonFormat.Shape.STRING) Instant receivedAt,
    int attempt) {}
