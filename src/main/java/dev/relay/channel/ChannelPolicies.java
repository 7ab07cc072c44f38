package dev.relay.channel;

import dev.relay.channel.RelayChannelsProperties.Channel;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.springframework.stereotype.Component;

/**
 * Delivery policy per channel, read by the BPMN's timer and retry expressions (bean name {@code
 * channelPolicies}) each time a timer or job is created, so a changed policy reaches messages in
 * flight from their next timer on. Read-only: no expression that calls it changes state.
 */
@Component("channelPolicies")
public class ChannelPolicies {

  private final RelayChannelsProperties properties;

  public ChannelPolicies(RelayChannelsProperties properties) {
    this.properties = properties;
  }

  public Set<String> names() {
    return properties.channels().keySet();
  }

  public boolean isKnown(String channel) {
    return channel != null && properties.channels().containsKey(channel);
  }

  public Channel channel(String name) {
    Channel channel = properties.channels().get(name);
    if (channel == null) {
      throw new UnknownChannelException(name);
    }
    return channel;
  }

  /** ISO-8601 duration the room waits for this channel's ACK before its next message goes. */
  public String ackGateTimeout(String channel) {
    return channel(channel).ackGateTimeout().toString();
  }

  /** ISO-8601 wait before attempt {@code attemptsMade + 1}; the last configured delay repeats. */
  public String resendDelay(String channel, Object attemptsMade) {
    List<Duration> delays = channel(channel).resendDelays();
    int index = Math.max(0, Math.min(toInt(attemptsMade) - 1, delays.size() - 1));
    return delays.get(index).toString();
  }

  public boolean hasAttemptsLeft(String channel, Object attemptsMade) {
    return toInt(attemptsMade) < channel(channel).maxAttempts();
  }

  public String readTimeToLive(String channel) {
    return channel(channel).readTimeToLive().toString();
  }

  /** The engine's retry cycle for the provider call: transient failures wait these, in turn. */
  public String dispatchRetryCycle() {
    return properties.dispatchRetryDelays().stream()
        .map(Duration::toString)
        .collect(Collectors.joining(","));
  }

  private static int toInt(Object value) {
    return value instanceof Number n ? n.intValue() : Integer.parseInt(String.valueOf(value));
  }

  public static class UnknownChannelException extends IllegalArgumentException {
    UnknownChannelException(String channel) {
      super("unknown channel '" + channel + "'");
    }
  }
}
