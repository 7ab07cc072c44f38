package dev.relay.delivery;

import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * {@code relay.retention.*}: how long a finished message (delivered, read, unconfirmed, failed)
 * stays, with its timeline, counted from its acceptance; the same as the engine's history time to
 * live of the diagrams (30 days), so a message's timeline and its instances' history leave
 * together. A repeated {@code messageId} is recognised for as long. {@code every}: how often each
 * node looks for what has expired.
 */
@Validated
@ConfigurationProperties("relay.retention")
public record RelayRetentionProperties(
    @NotNull @DefaultValue("30d") Duration messages, @NotNull @DefaultValue("1h") Duration every) {

  @AssertTrue(message = "durations must be positive")
  boolean isPositive() {
    return messages == null || every == null
        || (!messages.isNegative() && !messages.isZero() && !every.isNegative() && !every.isZero());
  }
}
