package dev.relay.channel;

import dev.relay.channel.RelayChannelsProperties.Channel;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;

/**
 * The learned ACK gates of the channels set to {@code ack-gate-timeout: auto}. Each node counts
 * the dispatch → ACK delays it sees (the webhooks it takes) by 5-second slices; {@link
 * AckGateSync} shares the closed slices through the database and learns every channel's gate from
 * all nodes' slices ({@link AckGateEstimator}). So all nodes gate alike, and a node that has just
 * started gates with what the cluster has learned, or, with nothing learned yet, with the
 * channel's {@code ack-gate-max}.
 */
@Component
public class AckGates {

  private final RelayChannelsProperties properties;
  /** This node's samples not shared yet, by channel and slice start. Guarded by this. */
  private final Map<String, NavigableMap<Instant, DelayHistogram>> unshared = new HashMap<>();
  /** The quantile learned from the shared samples, by channel; absent while unearned. */
  private final Map<String, Duration> learned = new ConcurrentHashMap<>();

  public AckGates(RelayChannelsProperties properties) {
    this.properties = properties;
  }

  /**
   * A delivery ACK came this long after the dispatch it acknowledges (the message's only attempt
   * so far: after a resend it is unknown which attempt the provider answered).
   */
  public void record(String channel, Duration delay) {
    record(channel, delay, Instant.now());
  }

  synchronized void record(String channel, Duration delay, Instant at) {
    Channel settings = properties.channels().get(channel);
    if (settings == null || !settings.ackGateTimeout().isAuto() || delay.isNegative()) {
      return;
    }
    unshared
        .computeIfAbsent(channel, c -> new TreeMap<>())
        .computeIfAbsent(AckGateEstimator.sliceOf(at), s -> new DelayHistogram())
        .add(delay);
  }

  /** Takes this node's slices that ended by {@code now}: no sample is added to them any more. */
  synchronized Map<String, NavigableMap<Instant, DelayHistogram>> takeClosedSlices(Instant now) {
    Instant open = AckGateEstimator.sliceOf(now);
    Map<String, NavigableMap<Instant, DelayHistogram>> closed = new HashMap<>();
    for (Iterator<Map.Entry<String, NavigableMap<Instant, DelayHistogram>>> channels =
            unshared.entrySet().iterator();
        channels.hasNext(); ) {
      Map.Entry<String, NavigableMap<Instant, DelayHistogram>> channel = channels.next();
      NavigableMap<Instant, DelayHistogram> before = channel.getValue().headMap(open, false);
      if (!before.isEmpty()) {
        closed.put(channel.getKey(), new TreeMap<>(before));
        before.clear();
      }
      if (channel.getValue().isEmpty()) {
        channels.remove();
      }
    }
    return closed;
  }

  /** Learns the channel's gate from the cluster's slices, as read from the database. */
  void learn(String channel, NavigableMap<Instant, DelayHistogram> shared, Instant now) {
    AckGateEstimator.learned(shared, now)
        .ifPresentOrElse(d -> learned.put(channel, d), () -> learned.remove(channel));
  }

  /** The gate of an auto channel: the learned one within the channel's bounds. */
  Duration gate(String channel, Duration min, Duration max) {
    return AckGateEstimator.gate(Optional.ofNullable(learned.get(channel)), min, max);
  }
}
