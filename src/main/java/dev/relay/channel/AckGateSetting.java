package dev.relay.channel;

import java.time.Duration;
import org.springframework.boot.convert.DurationStyle;

/**
 * {@code relay.channels.<name>.ack-gate-timeout}: a fixed duration ({@code 2s}, {@code PT2S}) or
 * {@code auto}, the gate learned from the channel's ACK delays ({@link AckGates}). Bound from the
 * property's text by {@link #valueOf}, so a typo stops the node at start.
 *
 * @param fixed the configured duration; null for {@code auto}
 */
public record AckGateSetting(Duration fixed) {

  public static final AckGateSetting AUTO = new AckGateSetting(null);

  public static AckGateSetting fixed(Duration timeout) {
    return new AckGateSetting(timeout);
  }

  /** Spring's conversion finds this factory for the property's text. */
  public static AckGateSetting valueOf(String text) {
    String value = text.trim();
    return value.equalsIgnoreCase("auto")
        ? AUTO
        : fixed(DurationStyle.detectAndParse(value));
  }

  public boolean isAuto() {
    return fixed == null;
  }

  @Override
  public String toString() {
    return isAuto() ? "auto" : fixed.toString();
  }
}
