package dev.relay.channel;

import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;
import org.springframework.boot.actuate.health.CompositeHealthContributor;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthContributor;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.NamedContributor;
import org.springframework.boot.actuate.health.Status;
import org.springframework.stereotype.Component;

/**
 * Health component {@code channels}, one member per channel: its circuit as the cluster sees it
 * (the channel view of API.md §7). A circuit that is not closed makes the channel DEGRADED, which
 * answers 200 and stays out of liveness and readiness: the provider fails, not the node, and every
 * node holds the same calls.
 */
@Component("channelsHealthContributor")
class ChannelHealth implements CompositeHealthContributor {

  static final Status DEGRADED = new Status("DEGRADED", "the provider's circuit is not closed");

  private final Map<String, HealthIndicator> channels = new TreeMap<>();

  ChannelHealth(ChannelPolicies policies, ChannelGuard guard) {
    for (String channel : policies.names()) {
      channels.put(channel, () -> {
        try {
          return health(guard.view(channel));
        } catch (RuntimeException unreadable) {
          return Health.unknown().withException(unreadable).build(); // the database is away
        }
      });
    }
  }

  private static Health health(ChannelView view) {
    Health.Builder health = view.circuit() == Circuit.CLOSED ? Health.up() : Health.status(DEGRADED);
    health
        .withDetail("circuit", view.circuit())
        .withDetail("circuitSince", view.circuitSince().toString())
        .withDetail("waiting", view.waiting())
        .withDetail("ackGateMillis", view.ackGate());
    if (view.rateLimit() != null) {
      health.withDetail("rateLimit", view.rateLimit());
    }
    return health.build();
  }

  @Override
  public HealthContributor getContributor(String name) {
    return channels.get(name);
  }

  @Override
  public Iterator<NamedContributor<HealthContributor>> iterator() {
    return channels.entrySet().stream()
        .map(e -> NamedContributor.<HealthContributor>of(e.getKey(), e.getValue()))
        .iterator();
  }
}
