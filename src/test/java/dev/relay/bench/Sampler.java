package dev.relay.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Once a second: what the load got answered, what the simulator saw (provider requests, messages
 * ACKed), CPU and memory of each Relay node, of the simulator and of PostgreSQL; every ten
 * seconds, and in the last sample, the size of the database.
 */
final class Sampler implements AutoCloseable {

  /**
   * One second of the run.
   *
   * @param t seconds since the load started, at the end of this sample
   * @param delivered messages whose first ACK Relay answered 2xx (the simulator's count)
   * @param providerRequests provider requests the simulator accepted, resends included
   * @param intakeP99Ms of the intake requests answered 202 in this second; NaN if none
   * @param cpuPercent Relay nodes, then the simulator, then PostgreSQL; in % of one core
   * @param memoryMib in the same order; PostgreSQL's is the sum of its processes' PSS
   * @param databaseBytes as last measured: every ten seconds, and in the last sample
   */
  record Sample(
      double t,
      String phase,
      long intakeSent,
      long intakeAccepted,
      double intakeP99Ms,
      long providerRequests,
      long delivered,
      double[] cpuPercent,
      double[] memoryMib,
      long databaseBytes) {}

  private final HttpClient http;
  private final ObjectMapper json = new ObjectMapper();
  private final URI simulatorInterval;
  private final LoadGenerator load;
  private final List<ProcessGroup> processes;
  private final Connection database;
  private final long startNanos;
  private final Histogram intakeLatency = new Histogram(3);
  private final List<Sample> samples = new ArrayList<>();
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "bench-sampler");
    t.setDaemon(true);
    return t;
  });
  private volatile String phase = "load";
  private long databaseBytes = -1;

  /**
   * @param processes the Relay nodes, then the simulator, then PostgreSQL
   * @param startNanos {@link System#nanoTime()} when the load starts
   */
  Sampler(HttpClient http, URI simulatorInterval, LoadGenerator load,
      List<ProcessGroup> processes, Connection database, long startNanos) throws Exception {
    this.http = http;
    this.simulatorInterval = simulatorInterval;
    this.load = load;
    this.processes = processes;
    this.database = database;
    this.startNanos = startNanos;
    // start every interval now: the figures before the load are not part of it
    load.interval();
    simulator();
    processes.forEach(ProcessGroup::cpuPercent);
  }

  /** With a fixed delay: a slow sample delays the next, it never squeezes in a short one. */
  void start() {
    timer.scheduleWithFixedDelay(this::sample, 1, 1, TimeUnit.SECONDS);
  }

  void phase(String phase) {
    this.phase = phase;
  }

  /** Stops sampling after one last sample, so the counts are complete. Safe to call again. */
  @Override
  public void close() throws InterruptedException {
    if (timer.isShutdown()) {
      return;
    }
    timer.shutdown();
    timer.awaitTermination(10, TimeUnit.SECONDS);
    databaseBytes = -1;
    sample();
  }

  synchronized List<Sample> samples() {
    return List.copyOf(samples);
  }

  /** Every 202's latency, in microseconds. */
  synchronized Histogram intakeLatency() {
    return intakeLatency.copy();
  }

  private synchronized void sample() {
    try {
      JsonNode simulator = simulator();
      LoadGenerator.Interval intake = load.interval();
      intakeLatency.add(intake.latency());
      double[] cpu = processes.stream().mapToDouble(ProcessGroup::cpuPercent).toArray();
      double[] memory = processes.stream().mapToDouble(ProcessGroup::memoryMib).toArray();
      double t = (System.nanoTime() - startNanos) / 1e9;
      samples.add(new Sample(
          t,
          phase,
          intake.sent(),
          intake.accepted(),
          intake.latency().getTotalCount() == 0
              ? Double.NaN
              : intake.latency().getValueAtPercentile(99) / 1000.0,
          simulator.get("accepted").asLong(),
          simulator.get("delivered").asLong(),
          cpu,
          memory,
          databaseBytes()));
      if (samples.size() % 10 == 0) { // a sign of life in long runs
        System.out.printf(Locale.ROOT,
            "bench [t=%.0f s, %s] intake: %d sent, %d accepted; %d ACKed in the last second%n",
            t, phase, load.sent(), load.accepted(), simulator.get("delivered").asLong());
      }
    } catch (Exception e) { // one lost sample must not end the run
      System.err.println("bench: sample failed: " + e);
    }
  }

  /**
   * PostgreSQL sums the sizes of the database's files for it: 5 ms of its CPU in a run with a
   * large database, half a percent of a core if read each second.
   */
  private long databaseBytes() throws Exception {
    if (databaseBytes < 0 || samples.size() % 10 == 0) {
      databaseBytes = BenchDatabase.size(database);
    }
    return databaseBytes;
  }

  private JsonNode simulator() throws Exception {
    HttpResponse<String> answer = http.send(
        HttpRequest.newBuilder(simulatorInterval).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
    if (answer.statusCode() != 200) {
      throw new IllegalStateException("simulator interval answered " + answer.statusCode());
    }
    return json.readTree(answer.body());
  }
}
