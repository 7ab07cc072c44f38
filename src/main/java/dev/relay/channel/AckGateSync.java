package dev.relay.channel;

import java.time.Instant;
import java.util.NavigableMap;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Every 5 seconds: writes this node's closed slices of ACK delays, then learns each auto
 * channel's gate from every node's slices (see {@link AckGates}). The first run is at start, so a
 * new node gates with what the cluster has learned from its first seconds on. A sample reaches
 * every node's gate within two runs of its slice's end: 15 seconds at most.
 */
@Component
class AckGateSync {

  private static final Logger log = LoggerFactory.getLogger(AckGateSync.class);

  /** Tells this node's rows from the others'; a restarted node is a new one. */
  private final String nodeId = UUID.randomUUID().toString();

  private final AckGates gates;
  private final AckDelayRepository delays;
  private final RelayChannelsProperties properties;
  private Instant lastCleanup = Instant.EPOCH;

  AckGateSync(AckGates gates, AckDelayRepository delays, RelayChannelsProperties properties) {
    this.gates = gates;
    this.delays = delays;
    this.properties = properties;
  }

  @Scheduled(initialDelay = 0, fixedDelay = 5_000)
  void run() {
    try {
      exchange(Instant.now());
    } catch (DataAccessException e) {
      // the gates stay as last learned; the next run tries again
      log.warn("could not share or learn the ACK gates: {}", e.getMessage());
    }
  }

  void exchange(Instant now) {
    gates.takeClosedSlices(now).forEach((channel, slices) -> delays.insert(nodeId, channel, slices));
    properties.channels().forEach((channel, settings) -> {
      if (settings.ackGateTimeout().isAuto()) {
        gates.learn(channel, shared(channel, now), now);
      }
    });
    if (lastCleanup.isBefore(now.minus(AckGateEstimator.SLICE.multipliedBy(12)))) {
      delays.deleteBefore(now.minus(AckGateEstimator.MEMORY));
      lastCleanup = now;
    }
  }

  /** The window's slices; on a quiet channel, all of the memory's. */
  private NavigableMap<Instant, DelayHistogram> shared(String channel, Instant now) {
    NavigableMap<Instant, DelayHistogram> window =
        delays.since(channel, now.minus(AckGateEstimator.WINDOW));
    long samples = window.values().stream().mapToLong(DelayHistogram::total).sum();
    return samples >= AckGateEstimator.MIN_SAMPLES
        ? window
        : delays.since(channel, now.minus(AckGateEstimator.MEMORY));
  }
}
