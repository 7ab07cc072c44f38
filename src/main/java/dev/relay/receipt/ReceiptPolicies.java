package dev.relay.receipt;

import java.time.Duration;
import java.util.stream.Collectors;
import org.springframework.stereotype.Component;

/**
 * Retry settings of the saga, read by the BPMN's retry expressions (bean name {@code
 * receiptPolicies}) and by the push step, so that both count attempts the same way.
 */
@Component("receiptPolicies")
public class ReceiptPolicies {

  private final RelayReceiptsProperties properties;

  public ReceiptPolicies(RelayReceiptsProperties properties) {
    this.properties = properties;
  }

  /**
   * The engine's {@code failedJobRetryTimeCycle}. For a list of n intervals the engine runs a job
   * up to n + 1 times and waits the i-th interval after the i-th failure.
   */
  public String retryCycle() {
    return properties.retryDelays().stream().map(Duration::toString).collect(Collectors.joining(","));
  }

  /** How often a push is tried before its transient failure counts as final: as the engine does. */
  public int pushAttempts() {
    return properties.retryDelays().size() + 1;
  }
}
