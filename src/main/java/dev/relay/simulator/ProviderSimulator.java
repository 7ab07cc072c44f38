package dev.relay.simulator;

import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The simulated provider's handling of one {@code POST {base-url}/messages} (API.md §4): inject
 * the configured faults, record the message, and start its status callbacks. The HTTP layer is in
 * {@link SimulatorController}.
 */
final class ProviderSimulator {

  private static final Logger log = LoggerFactory.getLogger(ProviderSimulator.class);

  /** What the provider answers. */
  sealed interface Outcome {}

  record Accepted(String providerMessageId) implements Outcome {}

  /** 503: the message was not taken. */
  record Unavailable() implements Outcome {}

  /** 429 with Retry-After: the message was not taken. */
  record Throttled(int retryAfterSeconds) implements Outcome {}

  private final SimulatorBehaviour behaviour;
  private final SimulatorInbox inbox;
  private final SimulatorStats stats;
  private final SimulatorListeners listeners;
  private final CallbackPlanner planner;
  private final CallbackSender sender;
  private final Clock clock;
  private volatile int localPort = -1;

  ProviderSimulator(SimulatorBehaviour behaviour, SimulatorInbox inbox, SimulatorStats stats,
      SimulatorListeners listeners, CallbackPlanner planner, CallbackSender sender, Clock clock) {
    this.behaviour = behaviour;
    this.inbox = inbox;
    this.stats = stats;
    this.listeners = listeners;
    this.planner = planner;
    this.sender = sender;
    this.clock = clock;
  }

  /**
   * Handles one request whose headers and fields were already checked. Blocks only when the plan
   * has an early callback.
   */
  Outcome receive(String channel, String idempotencyKey, String to, String body, String reference) {
    SimulatorBehaviour.Settings s = behaviour.current(); // one snapshot for the whole request
    RandomGenerator random = ThreadLocalRandom.current();
    if (CallbackPlanner.happens(s.serverErrorRate(), random)) {
      stats.rejected5xx();
      return new Unavailable();
    }
    if (CallbackPlanner.happens(s.tooManyRequestsRate(), random)) {
      stats.rejected429();
      return new Throttled(s.retryAfterSeconds());
    }
    InboxEntry entry = inbox.accept(channel, idempotencyKey, to, body, reference, clock.instant());
    stats.accepted();
    listeners.accepted(to, entry);
    // every acceptance, resends included, gets its callbacks again, as real providers do
    List<PlannedCallback> plan = s.dropsCallbacksTo(to) ? List.of() : planner.plan(s, random);
    if (plan.isEmpty()) {
      stats.dropped();
    } else {
      List<URI> webhooks = webhooks(s.callbackUrl(), channel);
      if (webhooks.isEmpty()) {
        plan.forEach(c -> stats.callbackFailed());
      } else {
        sender.send(webhooks, s.secretOf(channel), entry, plan);
      }
    }
    return new Accepted(entry.providerMessageId());
  }

  /** The port of this application's web server, for a {@code {port}} in the callback URL. */
  void localPort(int port) {
    this.localPort = port;
  }

  /** The callback URLs (comma-separated in the template); empty if any of them is unusable. */
  private List<URI> webhooks(String templates, String channel) {
    List<URI> webhooks = new ArrayList<>(1);
    for (String template : templates.split(",")) {
      URI webhook = webhook(template.trim(), channel);
      if (webhook == null) {
        return List.of();
      }
      webhooks.add(webhook);
    }
    return webhooks;
  }

  private URI webhook(String template, String channel) {
    String url = template.replace("{channel}", channel);
    if (url.contains("{port}")) {
      if (localPort < 0) {
        log.warn("simulator callback URL {} names {port} but the web server is not up yet", url);
        return null;
      }
      url = url.replace("{port}", Integer.toString(localPort));
    }
    try {
      return URI.create(url);
    } catch (IllegalArgumentException e) {
      log.warn("simulator callback URL {} is not a URI: {}", url, e.getMessage());
      return null;
    }
  }
}
