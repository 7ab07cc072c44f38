package dev.relay.room;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.extension.Parameters;
import com.github.tomakehurst.wiremock.extension.ServeEventListener;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import dev.relay.support.ProviderStub;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * A provider (API.md §4) that accepts every message, like the shared {@link ProviderStub}, and
 * tells the test about each request before it answers it and once it has answered it, so that the
 * test can play the provider's callbacks at those moments. It keeps the order in which it answered.
 * One per test class.
 */
final class ListeningProvider implements AutoCloseable {

  private final Map<String, Long> firstAnsweredAt = new ConcurrentHashMap<>();
  /** The Idempotency-Key of every request, in the order the provider had answered them. */
  private final ConcurrentLinkedQueue<String> answered = new ConcurrentLinkedQueue<>();
  /** As many as needed: a provider sends its callbacks side by side, not one after the other. */
  private final ExecutorService handlers = Executors.newCachedThreadPool();
  private final WireMockServer server;
  private volatile Consumer<String> onFirstAttempt = messageId -> {};
  private volatile Consumer<String> beforeAnswer = messageId -> {};

  ListeningProvider() {
    server = new WireMockServer(options().dynamicPort().extensions(new Listener()));
    server.start();
    server.stubFor(
        post(urlEqualTo("/messages"))
            .willReturn(
                aResponse()
                    .withStatus(200)
                    .withHeader("Content-Type", "application/json")
                    // the id ProviderStub gives, so WebhookClient's statuses name it
                    .withBody("{\"id\": \"wamid.{{request.headers.Idempotency-Key}}\"}")
                    .withTransformers("response-template")));
  }

  String baseUrl() {
    return server.baseUrl();
  }

  /** Runs for each message's first request, off the provider's own threads. */
  void onFirstAttempt(Consumer<String> handler) {
    this.onFirstAttempt = handler;
  }

  /**
   * Runs for every request before the provider answers it, on the provider's thread: a callback
   * sent from here overtakes the answer (an "early" ACK).
   */
  void beforeAnswer(Consumer<String> handler) {
    this.beforeAnswer = handler;
  }

  /** {@link System#nanoTime()} when the provider had answered the message's first request. */
  Long firstAnsweredAt(String messageId) {
    return firstAnsweredAt.get(messageId);
  }

  /**
   * The Idempotency-Keys starting with the prefix of every request answered so far, in the order
   * they were answered (a resend appears again).
   */
  List<String> answered(String prefix) {
    return answered.stream().filter(key -> key.startsWith(prefix)).toList();
  }

  @Override
  public void close() {
    handlers.shutdownNow();
    server.stop();
  }

  private final class Listener implements ServeEventListener {

    @Override
    public String getName() {
      return "first-attempts";
    }

    @Override
    public boolean applyGlobally() {
      return true;
    }

    @Override
    public void beforeResponseSent(ServeEvent serveEvent, Parameters parameters) {
      String messageId = serveEvent.getRequest().getHeader(ProviderStub.IDEMPOTENCY_KEY);
      if (messageId != null) {
        beforeAnswer.accept(messageId);
      }
    }

    @Override
    public void afterComplete(ServeEvent serveEvent, Parameters parameters) {
      String messageId = serveEvent.getRequest().getHeader(ProviderStub.IDEMPOTENCY_KEY);
      if (messageId != null) {
        answered.add(messageId);
      }
      if (messageId != null && firstAnsweredAt.putIfAbsent(messageId, System.nanoTime()) == null) {
        handlers.execute(() -> onFirstAttempt.accept(messageId));
      }
    }
  }
}
