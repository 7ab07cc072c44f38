package dev.relay.room;

import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * {@code relay.rooms.*}. {@code idle-timeout}: how long a room's instance waits for the next
 * message once its queue is empty, before it ends (the next message then starts a new one).
 */
@Validated
@ConfigurationProperties("relay.rooms")
public record RelayRoomsProperties(@NotNull @DefaultValue("30s") Duration idleTimeout) {

  @AssertTrue(message = "idle-timeout must be positive")
  boolean isPositiveIdleTimeout() {
    return idleTimeout == null || (!idleTimeout.isNegative() && !idleTimeout.isZero());
  }
}
