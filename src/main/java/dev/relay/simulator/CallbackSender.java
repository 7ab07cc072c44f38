package dev.relay.simulator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the planned status callbacks of messages to Relay's webhook, signed like a real provider.
 *
 * <p>The callbacks of one message go one after the other (the next is scheduled when the previous
 * is settled), so the planned order is the order Relay sees; different messages interleave freely.
 * The scheduler threads only start requests: sending is asynchronous, so a slow webhook never
 * holds them. A callback answered non-2xx or failing with an IO error is retried with doubling
 * backoff, then logged and given up, as providers do. With several webhook URLs (one per Relay
 * node), each attempt goes to one of them at random, as behind a load balancer.
 *
 * <p>With a batch window, asynchronous callbacks are sent as busy providers send them: every
 * status that falls due within the window after the first goes in one request (up to {@link
 * #MAX_BATCH}), answered for all of them together.
 */
final class CallbackSender implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(CallbackSender.class);

  /** The synchronous (early) callback blocks the provider call: keep that wait short. */
  private static final Duration SYNC_TIMEOUT = Duration.ofSeconds(2);

  private static final Duration ASYNC_TIMEOUT = Duration.ofSeconds(5);

  private static final Duration CLOSE_WAIT = Duration.ofSeconds(1);

  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);

  static final int MAX_BATCH = 100;

  private final SimulatorStats stats;
  private final SimulatorListeners listeners;
  private final Clock clock;
  private final int maxAttempts;
  private final Duration firstBackoff;
  private final Duration batchWindow;
  private final Map<Destination, Batch> openBatches = new HashMap<>(); // guarded by itself
  private final ScheduledExecutorService scheduler;
  private final ExecutorService senders;
  private final Set<CompletableFuture<?>> inFlight = ConcurrentHashMap.newKeySet();
  private final ObjectMapper json = new ObjectMapper();

  /**
   * @param maxAttempts attempts per callback, including the first
   * @param firstBackoff wait before the second attempt; doubled for each further one
   * @param batchWindow how long a callback waits for others to share its request; zero: none
   */
  CallbackSender(SimulatorStats stats, SimulatorListeners listeners, Clock clock, int maxAttempts,
      Duration firstBackoff, Duration batchWindow, int threads) {
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be >= 1");
    }
    this.stats = stats;
    this.listeners = listeners;
    this.clock = clock;
    this.maxAttempts = maxAttempts;
    this.firstBackoff = firstBackoff;
    this.batchWindow = batchWindow;
    this.scheduler = Executors.newScheduledThreadPool(threads, daemonThreads("callbacks"));
    // a thread per request on the wire, as many as there are: a slow webhook holds only its own
    this.senders = Executors.newCachedThreadPool(daemonThreads("webhook"));
  }

  /**
   * Sends the plan's synchronous head now, blocking the caller (that is the point of an early
   * callback), and the rest in the background.
   *
   * @param webhooks where to send; not empty
   * @param secret the channel's webhook secret, the key of the callbacks' signature
   * @param accepted the accepted request the callbacks report on
   */
  void send(List<URI> webhooks, String secret, InboxEntry accepted, List<PlannedCallback> plan) {
    if (!plan.isEmpty()) {
      new Delivery(webhooks, secret, accepted, plan).start();
    }
  }

  /**
   * Pending callbacks die with the simulator, as with a real outage; requests already on the wire
   * get a moment to finish, so that none arrives after the simulator is closed.
   */
  @Override
  public void close() {
    scheduler.shutdownNow();
    try {
      // a callback being fired right now registers its request before its thread ends
      scheduler.awaitTermination(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
      CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new))
          .get(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      log.debug("simulator closed with callbacks still in flight: {}", e.toString());
    } finally {
      senders.shutdownNow();
    }
  }

  /** The callbacks of one accepted request; only ever touched by one thread at a time. */
  private final class Delivery {
    private final Destination destination;
    private final InboxEntry accepted;
    private final Deque<PlannedCallback> pending;
    private StatusItem item; // the head callback, kept for its retries
    private int attempts; // of the head callback
    private Attempt latest;

    Delivery(List<URI> webhooks, String secret, InboxEntry accepted, List<PlannedCallback> plan) {
      this.destination = new Destination(webhooks, secret);
      this.accepted = accepted;
      this.pending = new ArrayDeque<>(plan);
    }

    void start() {
      Duration wait = pending.peek().delay();
      while (attempts == 0 && !pending.isEmpty() && pending.peek().synchronous()) {
        // a failed early callback is retried in the background: the call must not hang on it
        wait = settle(post(destination, List.of(head()), SYNC_TIMEOUT).join());
      }
      schedule(wait);
    }

    private void schedule(Duration wait) {
      if (wait == null) {
        return;
      }
      try {
        scheduler.schedule(this::fire, wait.toNanos(), TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException e) {
        log.debug("simulator stopped; dropping callbacks of {}", accepted.providerMessageId());
      }
    }

    private void fire() {
      CompletableFuture<Attempt> attempt =
          batchWindow.isZero()
              ? post(destination, List.of(head()), ASYNC_TIMEOUT)
              : batched(destination, head());
      attempt.thenAccept(done -> schedule(settle(done)));
    }

    /** The head callback's status, stamped at its first attempt: a retry resends the same event. */
    private StatusItem head() {
      attempts++;
      if (item == null) {
        item = new StatusItem(accepted.providerMessageId(), accepted.reference(),
            pending.peek().status().wireName(), clock.instant().toString());
      }
      return item;
    }

    /** Records the outcome of one attempt; returns the wait before the next one, null if done. */
    private Duration settle(Attempt attempt) {
      latest = attempt;
      PlannedCallback head = pending.peek();
      if (!attempt.ok()) {
        log.debug("simulator {} callback of {} failed (attempt {}): {}", head.status().wireName(),
            accepted.providerMessageId(), attempts, attempt.failure());
      }
      if (!attempt.ok() && attempts < maxAttempts) {
        return firstBackoff.multipliedBy(1L << Math.min(attempts - 1, 16));
      }
      if (attempt.ok()) {
        stats.callbackSent();
        if (head.status().isAck()) {
          listeners.acknowledged(accepted, latest.sentAt(), latest.answeredAt());
        }
      } else {
        stats.callbackFailed();
        log.warn("simulator gave up {} callback of {} ({}) to {} after {} attempts",
            head.status().wireName(), accepted.providerMessageId(), accepted.reference(),
            latest.webhook(), attempts);
      }
      pending.poll();
      item = null;
      attempts = 0;
      return pending.isEmpty() ? null : pending.peek().delay();
    }
  }

  /** Adds the status to the open batch of its destination, which goes when its window closes. */
  private CompletableFuture<Attempt> batched(Destination destination, StatusItem item) {
    CompletableFuture<Attempt> answered = new CompletableFuture<>();
    Batch full = null;
    synchronized (openBatches) {
      Batch batch = openBatches.get(destination);
      if (batch == null) {
        Batch opened = new Batch();
        openBatches.put(destination, opened);
        batch = opened;
        try {
          scheduler.schedule(() -> close(destination, opened), batchWindow.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
          log.debug("simulator stopped; dropping a callback of {}", item.id());
        }
      }
      batch.add(item, answered);
      if (batch.items.size() == MAX_BATCH) {
        openBatches.remove(destination);
        full = batch;
      }
    }
    if (full != null) {
      full.send(destination);
    }
    return answered;
  }

  private void close(Destination destination, Batch batch) {
    synchronized (openBatches) {
      if (!openBatches.remove(destination, batch)) {
        return; // it filled up and went already
      }
    }
    batch.send(destination);
  }

  /** Callbacks waiting to share a request. */
  private final class Batch {
    private final List<StatusItem> items = new ArrayList<>();
    private final List<CompletableFuture<Attempt>> answers = new ArrayList<>();

    void add(StatusItem item, CompletableFuture<Attempt> answered) {
      items.add(item);
      answers.add(answered);
    }

    void send(Destination destination) {
      post(destination, items, ASYNC_TIMEOUT)
          .thenAccept(attempt -> answers.forEach(answered -> answered.complete(attempt)));
    }
  }

  /**
   * One POST of the statuses to one of the destination's webhooks; completes with the attempt's
   * outcome (not ok on non-2xx or IO error), never fails.
   */
  private CompletableFuture<Attempt> post(
      Destination destination, List<StatusItem> items, Duration timeout) {
    URI webhook =
        destination.webhooks().get(ThreadLocalRandom.current().nextInt(destination.webhooks().size()));
    Instant sentAt = clock.instant();
    try {
      byte[] body = json.writeValueAsBytes(new Statuses(items));
      String signature = CallbackSignature.sign(body, destination.secret());
      CompletableFuture<Attempt> sending = CompletableFuture.supplyAsync(
          () -> exchange(webhook, body, signature, timeout, sentAt), senders);
      inFlight.add(sending);
      sending.whenComplete((attempt, error) -> inFlight.remove(sending));
      return sending;
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e); // plain strings: cannot happen
    } catch (RejectedExecutionException e) {
      return CompletableFuture.completedFuture(
          new Attempt(false, webhook, sentAt, null, "simulator stopped"));
    }
  }

  /**
   * Sends on a sender thread and waits for the answer there (the timeout bounds the connect and
   * each read), on a connection the JDK keeps alive: one thread wakes per answer, where the JDK's
   * asynchronous client handed each request between its selector thread and an executor
   * (docs/benchmarks.md, session 12).
   */
  private Attempt exchange(
      URI webhook, byte[] body, String signature, Duration timeout, Instant sentAt) {
    try {
      HttpURLConnection request = (HttpURLConnection) webhook.toURL().openConnection();
      request.setConnectTimeout((int) CONNECT_TIMEOUT.toMillis());
      request.setReadTimeout((int) timeout.toMillis());
      request.setRequestMethod("POST");
      request.setRequestProperty("Content-Type", "application/json");
      request.setRequestProperty(CallbackSignature.HEADER, signature);
      request.setDoOutput(true);
      request.setFixedLengthStreamingMode(body.length);
      try (OutputStream out = request.getOutputStream()) {
        out.write(body);
      }
      int status = request.getResponseCode();
      // read to the end, so that the connection can carry the next callback
      try (InputStream answer = status < 400 ? request.getInputStream() : request.getErrorStream()) {
        if (answer != null) {
          answer.transferTo(OutputStream.nullOutputStream());
        }
      }
      return new Attempt(status / 100 == 2, webhook, sentAt, clock.instant(), "answered " + status);
    } catch (IOException | RuntimeException e) { // e.g. a URL scheme the JDK does not speak
      return new Attempt(false, webhook, sentAt, clock.instant(), e.toString());
    }
  }

  /** Where a channel's callbacks go, and the key they are signed with. */
  private record Destination(List<URI> webhooks, String secret) {}

  /** One request's outcome, shared by every status it carried. */
  private record Attempt(boolean ok, URI webhook, Instant sentAt, Instant answeredAt, String failure) {}

  /** Body of a callback, API.md §4. */
  record Statuses(List<StatusItem> statuses) {}

  record StatusItem(String id, String reference, String status, String timestamp) {}

  private static ThreadFactory daemonThreads(String kind) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, "relay-simulator-" + kind + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
