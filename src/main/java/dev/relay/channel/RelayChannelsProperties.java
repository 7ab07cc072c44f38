package dev.relay.channel;

import jakarta.validation.Valid;
import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * {@code relay.*}: the channels of API.md §5 and the engine-side delivery settings. Validated at
 * start, so a typo in a duration or a missing secret stops the node instead of a message.
 *
 * @param providerCallThreads the threads that make a room's provider call before its dispatch job
 *     runs on the node that created it (the job's thread then only records it): the most provider
 *     calls this node has in flight that way
 */
@Validated
@ConfigurationProperties("relay")
public record RelayChannelsProperties(
    @NotNull @Valid Map<String, Channel> channels,
    @NotEmpty @DefaultValue({"5s", "15s", "1m", "5m", "15m"}) List<Duration> dispatchRetryDelays,
    @NotNull @DefaultValue("10s") Duration providerTimeout,
    @Min(1) @DefaultValue("32") int providerCallThreads) {

  /**
   * One provider channel; the defaults are API.md §5's.
   *
   * @param ackGateTimeout a duration, or {@code auto}: learned, between {@code ackGateMin} and
   *     {@code ackGateMax} (see {@link AckGates})
   */
  public record Channel(
      @NotBlank String baseUrl,
      @NotBlank String apiToken,
      @NotBlank String webhookSecret,
      @NotNull @DefaultValue("2s") AckGateSetting ackGateTimeout,
      @NotNull @DefaultValue("100ms") Duration ackGateMin,
      @NotNull @DefaultValue("2s") Duration ackGateMax,
      @NotEmpty @DefaultValue({"15s", "30s", "4h"}) List<@NotNull Duration> resendDelays,
      @Min(1) @DefaultValue("8") int maxAttempts,
      @Positive Double rateLimit) {

    @AssertTrue(message = "durations must be positive")
    boolean isPositiveDurations() {
      return (ackGateTimeout == null || isPositive(ackGateTimeout.fixed()))
          && isPositive(ackGateMin)
          && isPositive(ackGateMax)
          && resendDelays != null
          && resendDelays.stream().allMatch(Channel::isPositive);
    }

    @AssertTrue(message = "ack-gate-min must not exceed ack-gate-max")
    boolean isAckGateRangeOrdered() {
      return ackGateMin == null || ackGateMax == null || ackGateMin.compareTo(ackGateMax) <= 0;
    }

    private static boolean isPositive(Duration d) {
      return d == null || (!d.isNegative() && !d.isZero());
    }
  }
}
