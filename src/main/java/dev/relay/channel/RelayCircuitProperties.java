package dev.relay.channel;

import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * {@code relay.circuit.*}: when a channel's circuit opens and how it recovers (every channel).
 *
 * @param failureThreshold transient provider failures in a row, across the cluster, that open it
 * @param openFor how long it stays open before trial calls go
 * @param trialCalls trial calls that must succeed to close it
 * @param rampUp calls held by an open circuit come back spread over this long after it reopens,
 *     so that recovery is a ramp, not a storm
 */
@Validated
@ConfigurationProperties("relay.circuit")
public record RelayCircuitProperties(
    @Min(1) @DefaultValue("5") int failureThreshold,
    @NotNull @DefaultValue("10s") Duration openFor,
    @Min(1) @DefaultValue("3") int trialCalls,
    @NotNull @DefaultValue("5s") Duration rampUp) {

  @AssertTrue(message = "open-for and ramp-up must be positive")
  boolean isPositiveDurations() {
    return openFor != null && rampUp != null && openFor.toMillis() > 0 && rampUp.toMillis() > 0;
  }
}
