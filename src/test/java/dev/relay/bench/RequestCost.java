package dev.relay.bench;

import dev.relay.support.ChildJvm;
import dev.relay.webhook.WebhookSignature;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * What one request costs a warm node, by kind: the node's CPU time over a few thousand requests
 * sent back to back from four threads, after as many unmeasured ones. A bare request against
 * the API's and the webhook's cheapest real work says how much of a message's CPU is HTTP around
 * the handlers (Tomcat, the filters, Spring MVC, Jackson) and how much the work behind them.
 */
final class RequestCost {

  private static final int CONCURRENCY = 4;

  /** A kind of request: what it is, and its i-th instance. */
  record Kind(String name, IntFunction<HttpRequest> request) {}

  private RequestCost() {}

  /** The kinds the report shows, against a node of the benchmark's channel. */
  static List<Kind> kinds(ChildJvm node, String channel, String apiToken, String webhookSecret) {
    return List.of(
        new Kind("bare GET /actuator/health/liveness",
            i -> HttpRequest.newBuilder(node.uri("/actuator/health/liveness")).build()),
        new Kind("API GET /api/messages/{unknown}",
            i -> HttpRequest.newBuilder(node.uri("/api/messages/probe-" + i))
                .header("Authorization", "Bearer " + apiToken).build()),
        new Kind("webhook, one sent status",
            i -> sentStatus(node, channel, webhookSecret, i)));
  }

  /** Node CPU in ms per request, by kind, in the order given. */
  static Map<String, Double> measure(HttpClient http, ChildJvm node, List<Kind> kinds, int count)
      throws Exception {
    ProcessGroup cpu = new ProcessGroup(ProcessHandle.of(node.pid()).orElseThrow(), false);
    Map<String, Double> msPerRequest = new LinkedHashMap<>();
    for (Kind kind : kinds) {
      send(http, kind, 0, count); // the JIT's turn
      double before = cpu.cpuSeconds();
      send(http, kind, count, count);
      msPerRequest.put(kind.name(), (cpu.cpuSeconds() - before) * 1000 / count);
    }
    return msPerRequest;
  }

  private static void send(HttpClient http, Kind kind, int first, int count) throws Exception {
    AtomicInteger next = new AtomicInteger(first);
    ExecutorService threads = Executors.newFixedThreadPool(CONCURRENCY);
    try {
      List<Future<?>> senders = new ArrayList<>();
      for (int t = 0; t < CONCURRENCY; t++) {
        senders.add(threads.submit(() -> {
          for (int i = next.getAndIncrement(); i < first + count; i = next.getAndIncrement()) {
            HttpResponse<Void> answer =
                http.send(kind.request().apply(i), HttpResponse.BodyHandlers.discarding());
            if (answer.statusCode() >= 500) {
              throw new IllegalStateException(kind.name() + " answered " + answer.statusCode());
            }
          }
          return null;
        }));
      }
      for (Future<?> sender : senders) {
        sender.get();
      }
    } finally {
      threads.shutdownNow();
    }
  }

  /** A status for a message no one sent: recorded as such, nothing else happens (API.md §4). */
  private static HttpRequest sentStatus(ChildJvm node, String channel, String secret, int i) {
    String body = "{\"statuses\":[{\"providerMessageId\":\"probe-" + i + "\",\"reference\":\"probe-"
        + i + "\",\"status\":\"sent\",\"timestamp\":\"2026-01-01T00:00:00Z\"}]}";
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    return HttpRequest.newBuilder(node.uri("/webhooks/" + channel))
        .header("Content-Type", "application/json")
        .header(WebhookSignature.HEADER, WebhookSignature.sign(bytes, secret))
        .POST(HttpRequest.BodyPublishers.ofByteArray(bytes))
        .build();
  }
}
