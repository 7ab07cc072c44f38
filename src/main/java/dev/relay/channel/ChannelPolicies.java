package dev.relay.channel;

import dev.relay.channel.RelayChannelsProperties.Channel;
import java.time.Duration;
import java.util.Date;
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
  private final AckGates ackGates;

  public ChannelPolicies(RelayChannelsProperties properties, AckGates ackGates) {
    this.properties = properties;
    this.ackGates = ackGates;
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

  /**
   * How long a room waits for this channel's ACK before its next message goes: the configured
   * {@code ack-gate-timeout}, or with {@code auto} the gate learned now ({@link AckGates}). The
   * room's timer, the gauge and the channel view (API.md §7) all read it here.
   */
  public Duration ackGate(String channel) {
    Channel settings = channel(channel);
    return settings.ackGateTimeout().isAuto()
        ? ackGates.gate(channel, settings.ackGateMin(), settings.ackGateMax())
        : settings.ackGateTimeout().fixed();
  }

  /** {@link #ackGate} as the ISO-8601 duration of the room's gate timer. */
  public String ackGateTimeout(String channel) {
    return ackGate(channel).toString();
  }

  public boolean hasAttemptsLeft(String channel, Object attemptsMade) {
    return toInt(attemptsMade) < channel(channel).maxAttempts();
  }

  /**
   * When attempt {@code attemptsMade + 1} is due: the resend delays are counted from the first
   * attempt, one after the other (15 s, 30 s, 4 h: attempt 2 at +15 s, 3 at +45 s, 4 at +4 h 45 s),
   * so a slow attempt or a retried job does not push the whole schedule back.
   */
  public Date resendDue(String channel, Object attemptsMade, Date firstAttemptAt) {
    List<Duration> delays = channel(channel).resendDelays();
    Duration sinceFirst = Duration.ZERO;
    for (int i = 0; i < Math.max(1, toInt(attemptsMade)); i++) {
      sinceFirst = sinceFirst.plus(delays.get(Math.min(i, delays.size() - 1)));
    }
    return Date.from(firstAttemptAt.toInstant().plus(sinceFirst));
  }

  /** The engine's retry cycle for a provider call: transient failures wait these, in turn. */
  public String dispatchRetryCycle() {
    return properties.dispatchRetryDelays().stream()
        .map(Duration::toString)
        .collect(Collectors.joining(","));
  }

  /**
   * The retry cycle of a resend. A message that the provider never took has had its retries in
   * its room: its first try in its own instance fails straight into an incident for an operator.
   */
  public String resendRetryCycle(Object attemptsMade) {
    return toInt(attemptsMade) == 0
        ? "R1/" + properties.dispatchRetryDelays().get(0)
        : dispatchRetryCycle();
  }

  /** How often the engine runs a dispatch job before its failure is final (see {@link #dispatchRetryCycle}). */
  public int dispatchTries() {
    return properties.dispatchRetryDelays().size() + 1;
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
