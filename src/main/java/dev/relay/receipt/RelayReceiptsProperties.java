package dev.relay.receipt;

import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * {@code relay.receipts.*}: calls to the user's devices.
 *
 * @param pushTimeout connect and read timeout of each call to a device
 * @param retryDelays waits before each retry of a step that failed transiently: a push is tried
 *     {@code 1 + retryDelays.size()} times before it counts as failed
 * @param pushSchemes the schemes a push URL may have
 * @param pushHosts the hosts a push URL may name: {@code devices.example.com}, or {@code
 *     *.example.com} for its subdomains; empty (the default) for any host
 * @param pushToPrivateAddresses whether a push URL's host may resolve to a loopback, link-local or
 *     private address: off by default, so that an API caller cannot make Relay call its own
 *     engine REST or the internal network (the demo, whose devices run on the same machine, sets
 *     it)
 */
@Validated
@ConfigurationProperties("relay.receipts")
public record RelayReceiptsProperties(
    @NotNull @DefaultValue("5s") Duration pushTimeout,
    @NotEmpty @DefaultValue({"2s", "10s", "1m"}) List<@NotNull Duration> retryDelays,
    @NotEmpty @DefaultValue({"http", "https"}) List<@NotNull String> pushSchemes,
    @NotNull @DefaultValue List<@NotNull String> pushHosts,
    @DefaultValue("false") boolean pushToPrivateAddresses) {

  @AssertTrue(message = "durations must be positive")
  boolean isPositiveDurations() {
    return isPositive(pushTimeout)
        && (retryDelays == null || retryDelays.stream().allMatch(RelayReceiptsProperties::isPositive));
  }

  private static boolean isPositive(Duration d) {
    return d == null || (!d.isNegative() && !d.isZero());
  }
}
