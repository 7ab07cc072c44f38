package dev.relay.bench;

import dev.relay.bench.Workload.Message;
import dev.relay.support.Poll;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntFunction;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Sends intake requests, {@code POST /api/messages} (API.md §1) spread over the Relay nodes in
 * turn, or records on the intake topic (§1b), and records what came back. Asynchronous: no
 * request waits for an earlier answer.
 */
final class LoadGenerator implements Accounting.Intake {

  /** How an intake request reaches Relay. */
  interface Transport {
    /**
     * Sends request {@code i} of message {@code m} with this body; completes with the HTTP status
     * of the answer, or, for a record, 202 once the broker has it.
     */
    CompletableFuture<Integer> send(int i, Message m, String body);
  }

  /**
   * {@code POST /api/messages}, request i to node i mod n, each written and its answer read by one
   * of the pool's threads on a kept-alive connection, as a service's client with a connection pool
   * sends them. (The JDK's asynchronous client, used before, handed every request between its
   * selector thread and an executor, which cost the harness ~4 % of a core at 30/s; docs/
   * benchmarks.md, session 12.) A request the pool has no thread for yet waits in its queue; its
   * latency counts from the scheduled time all the same.
   */
  static Transport rest(ExecutorService pool, List<URI> intakes) {
    return (i, m, body) ->
        CompletableFuture.supplyAsync(() -> post(intakes.get(i % intakes.size()), body), pool);
  }

  /**
   * A pool for {@link #rest}. The JDK keeps at most {@code http.maxConnections} idle connections
   * per server (5 unless set before its first use): the harness sets it to {@link #CONNECTIONS}.
   */
  static ExecutorService connectionPool() {
    AtomicInteger n = new AtomicInteger();
    return Executors.newFixedThreadPool(CONNECTIONS, r -> {
      Thread t = new Thread(r, "bench-intake-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  private static int post(URI intake, String body) {
    try {
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      HttpURLConnection request = (HttpURLConnection) intake.toURL().openConnection();
      request.setConnectTimeout(5_000);
      request.setReadTimeout(60_000);
      request.setRequestMethod("POST");
      request.setRequestProperty("Content-Type", "application/json");
      request.setRequestProperty("Authorization", "Bearer " + API_TOKEN);
      request.setDoOutput(true);
      request.setFixedLengthStreamingMode(bytes.length);
      try (OutputStream out = request.getOutputStream()) {
        out.write(bytes);
      }
      int status = request.getResponseCode();
      // read to the end, so that the connection goes back to the JDK's keep-alive cache
      try (InputStream answer = status < 400 ? request.getInputStream() : request.getErrorStream()) {
        if (answer != null) {
          answer.transferTo(OutputStream.nullOutputStream());
        }
      }
      return status;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A record on the topic, keyed by its room (API.md §1b); "202" once the broker has it. */
  static Transport kafka(Producer<String, String> producer, String topic) {
    return (i, m, body) -> {
      CompletableFuture<Integer> acked = new CompletableFuture<>();
      producer.send(new ProducerRecord<>(topic, m.roomId(), body), (metadata, error) -> {
        if (error != null) {
          acked.completeExceptionally(error);
        } else {
          acked.complete(202);
        }
      });
      return acked;
    };
  }

  /** Beyond this many unanswered requests new ones are skipped (and counted), not queued. */
  static final int MAX_IN_FLIGHT = 5_000;

  /**
   * Threads and connections of {@link #rest}: more than a node's request threads; an overloaded
   * node's backlog waits here, timed, not in its accept queue.
   */
  static final int CONNECTIONS = 64;

  static final String API_TOKEN = "bench-api-token";

  /** What was answered since the previous {@link #interval()}; latencies in microseconds. */
  record Interval(long sent, long accepted, Histogram latency) {}

  private final Transport transport;
  private final String channel;
  private final IntFunction<Message> workload;
  private final int count;

  /** By request index: when its 202 arrived, in microseconds since the epoch; 0 if none did. */
  private final AtomicLongArray acceptedAtMicros;

  /** By request index: from its scheduled send to its 202, in microseconds. */
  private final AtomicLongArray latencyMicros;

  private final Recorder latency = new Recorder(3);
  private final LongAdder sent = new LongAdder();
  private final LongAdder sentInInterval = new LongAdder();
  private final LongAdder accepted = new LongAdder();
  private final LongAdder acceptedInInterval = new LongAdder();
  private final LongAdder failed = new LongAdder();
  private final LongAdder skipped = new LongAdder();
  private final Map<Integer, LongAdder> otherAnswers = new ConcurrentHashMap<>();
  private final AtomicInteger inFlight = new AtomicInteger();

  LoadGenerator(Transport transport, String channel, IntFunction<Message> workload, int count) {
    this.transport = transport;
    this.channel = channel;
    this.workload = workload;
    this.count = count;
    this.acceptedAtMicros = new AtomicLongArray(count);
    this.latencyMicros = new AtomicLongArray(count);
  }

  /**
   * Open loop: request i goes out at start + i / rate, whatever became of the earlier ones, so an
   * overloaded Relay shows as latency, not as a slower generator. Latency counts from the
   * scheduled time, so a generator that falls behind hides nothing. Returns once every request
   * was sent, not answered.
   */
  void openLoop(double rate) {
    openLoop(rate, rate);
  }

  /**
   * Open loop whose rate rises evenly from {@code from} to {@code to} over the requests: request i
   * is due once the rate's integral reaches i.
   */
  void openLoop(double from, double to) {
    long start = System.nanoTime();
    for (int i = 0; i < count; i++) {
      long due = start + (long) (due(i, count, from, to) * 1e9);
      for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
        LockSupport.parkNanos(wait);
      }
      send(i, due, null);
    }
  }

  /** Seconds from the start at which request i of n is due, the rate rising from → to. */
  static double due(int i, int n, double from, double to) {
    double rise = (to - from) * (from + to) / (2.0 * n); // per second, over n / mean rate
    return rise == 0 ? i / from : (Math.sqrt(from * from + 2 * rise * i) - from) / rise;
  }

  /** Closed loop with {@code concurrency} requests at a time: as fast as Relay takes them. */
  void closedLoop(int concurrency) throws InterruptedException {
    Semaphore permits = new Semaphore(concurrency);
    for (int i = 0; i < count; i++) {
      permits.acquire();
      send(i, System.nanoTime(), permits);
    }
    awaitAnswers(Duration.ofMinutes(2));
  }

  /** Waits until no request is unanswered, or the timeout passed; true if none is. */
  boolean awaitAnswers(Duration timeout) {
    return Poll.until(timeout, Duration.ofMillis(50), () -> inFlight.get() == 0);
  }

  Interval interval() {
    return new Interval(
        sentInInterval.sumThenReset(), acceptedInInterval.sumThenReset(),
        latency.getIntervalHistogram());
  }

  @Override
  public int count() {
    return count;
  }

  @Override
  public Message message(int i) {
    return workload.apply(i);
  }

  @Override
  public long acceptedAtMicros(int i) {
    return acceptedAtMicros.get(i);
  }

  @Override
  public long latencyMicros(int i) {
    return latencyMicros.get(i);
  }

  long sent() {
    return sent.sum();
  }

  long accepted() {
    return accepted.sum();
  }

  /** Requests that got no answer at all: connection refused, timeout. */
  long failed() {
    return failed.sum();
  }

  /** Requests not sent because {@link #MAX_IN_FLIGHT} were unanswered. */
  long skipped() {
    return skipped.sum();
  }

  /** Answers other than 202, by HTTP status. */
  Map<Integer, Long> otherAnswers() {
    Map<Integer, Long> answers = new TreeMap<>();
    otherAnswers.forEach((status, n) -> answers.put(status, n.sum()));
    return answers;
  }

  int inFlight() {
    return inFlight.get();
  }

  static long nowMicros() {
    Instant now = Instant.now();
    return TimeUnit.SECONDS.toMicros(now.getEpochSecond()) + now.getNano() / 1_000;
  }

  private void send(int i, long scheduledNanos, Semaphore permits) {
    if (inFlight.get() >= MAX_IN_FLIGHT) {
      skipped.increment();
      return;
    }
    inFlight.incrementAndGet();
    sent.increment();
    sentInInterval.increment();
    Message m = workload.apply(i);
    String body = String.format(
        "{\"messageId\":\"%s\",\"roomId\":\"%s\",\"channel\":\"%s\",\"to\":\"%s\","
            + "\"body\":\"benchmark message %s\"}",
        m.messageId(), m.roomId(), channel, m.roomId(), m.messageId());
    transport.send(i, m, body)
        .whenComplete((response, error) -> {
          long micros = (System.nanoTime() - scheduledNanos) / 1_000;
          if (error != null) {
            failed.increment();
          } else if (response == 202) {
            latencyMicros.set(i, micros);
            acceptedAtMicros.set(i, nowMicros());
            latency.recordValue(micros);
            accepted.increment();
            acceptedInInterval.increment();
          } else {
            otherAnswers.computeIfAbsent(response, s -> new LongAdder()).increment();
          }
          inFlight.decrementAndGet();
          if (permits != null) {
            permits.release();
          }
        });
  }
}
