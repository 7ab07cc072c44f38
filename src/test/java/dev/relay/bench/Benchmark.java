package dev.relay.bench;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relay.RelayApplication;
import dev.relay.channel.AckGateSetting;
import dev.relay.bench.Accounting.FirstAttempt;
import dev.relay.bench.Result.ProcessFigures;
import dev.relay.bench.Sampler.Sample;
import dev.relay.support.ChildJvm;
import dev.relay.support.Poll;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.ToLongFunction;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringSerializer;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/**
 * Relay's benchmark (issue 5; method and latest figures in docs/benchmarks.md): PostgreSQL, the
 * provider simulator and N Relay nodes, each in a process of its own, an open-loop load, then the
 * check that nothing was lost or reordered. Prints a table and writes result.json,
 * timeseries.csv and plot.png (and every process's log) to {@code --out}.
 *
 * <p>{@code java -cp <test class path> dev.relay.bench.Benchmark --help} lists the options.
 */
public final class Benchmark {

  static final String CHANNEL = "bench";
  static final String OPEN_CHANNEL = "bench-open";
  static final String WEBHOOK_SECRET = "bench-webhook-secret";
  static final String PROVIDER_TOKEN = "bench-provider-token";
  static final String ADMIN_USER = "benchadmin";
  static final String ADMIN_PASSWORD = "bench-admin-password";
  /** The intake topic of {@code --intake=kafka}, Relay's default. */
  static final String TOPIC = "relay.messages";
  static final int PARTITIONS = 3;

  /** Open rooms must not move on or resend during the run: they are the idle backlog. */
  static final Duration OPEN_ROOM_WAIT = Duration.ofHours(1);

  private static final Duration START_TIMEOUT = Duration.ofMinutes(3);
  /** The window of the warm figures: the load's last minute. */
  private static final double LAST_MINUTE_SECONDS = 60;
  private static final int FILL_CONCURRENCY = 32;
  /** Undelivered messages past which the wait for the rest counts them less often. */
  private static final long MANY_LEFT = 1_000;
  private static final double MIB = 1024 * 1024;

  private final Options options;
  private final HttpClient http;
  private final ObjectMapper json = new ObjectMapper();
  private final List<AutoCloseable> resources = new ArrayList<>(); // closed in reverse order
  private final long created = System.nanoTime();

  private Benchmark(Options options) {
    this.options = options;
    this.http = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5))
        .executor(Executors.newFixedThreadPool(4, r -> {
          Thread t = new Thread(r, "bench-http");
          t.setDaemon(true);
          return t;
        }))
        .build();
  }

  public static void main(String[] args) throws Exception {
    if (Arrays.asList(args).contains("--help")) {
      System.out.println(Options.USAGE);
      return;
    }
    Result result = run(Options.parse(args));
    boolean correct = result.lost() == 0 && result.orderViolations() == 0;
    if (!correct) {
      System.err.println("bench: FAILED: messages were lost or reached the provider out of order");
    }
    System.exit(correct ? 0 : 1);
  }

  /** One whole run; every process it started is stopped when it returns or fails. */
  static Result run(Options options) throws Exception {
    // before the JDK's HTTP keep-alive cache is first used, which reads it once
    System.setProperty("http.maxConnections", Integer.toString(LoadGenerator.CONNECTIONS));
    Files.createDirectories(options.out());
    Benchmark bench = new Benchmark(options);
    Thread cleanup = new Thread(bench::close, "bench-cleanup"); // also on Ctrl-C
    Runtime.getRuntime().addShutdownHook(cleanup);
    try {
      return bench.execute();
    } finally {
      bench.close();
      try {
        Runtime.getRuntime().removeShutdownHook(cleanup);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running or will run: nothing left to do
      }
    }
  }

  private Result execute() throws Exception {
    String startedAt = Instant.now().toString();
    log("options " + options.commandLine());
    long referenceAtStart = ReferenceWork.cpuMillis();
    log("reference work: " + referenceAtStart + " ms of CPU (the machine's speed at this hour)");
    log("starting PostgreSQL (" + options.pg().name().toLowerCase(Locale.ROOT) + ")");
    BenchDatabase db = own(BenchDatabase.start(options));
    String database = db.describe();
    Map<String, String> settings = db.settings();
    log(database + " " + settings);

    String brokers = options.intake() == Options.Intake.KAFKA ? startBroker() : null;
    int simulatorPort = ChildJvm.freePort();
    List<Integer> nodePorts = new ArrayList<>();
    for (int n = 0; n < options.nodes(); n++) {
      nodePorts.add(ChildJvm.freePort());
    }
    log("starting the simulator on port " + simulatorPort);
    ChildJvm simulator = own(ChildJvm.start("simulator", simulatorPort, options.heap(), List.of(),
        BenchSimulator.class.getName(), true, simulatorArguments(nodePorts), options.out()));
    simulator.awaitHealthy(http, START_TIMEOUT);
    List<ChildJvm> nodes = new ArrayList<>();
    List<Path> accessLogs = new ArrayList<>();
    for (int n = 0; n < options.nodes(); n++) { // one after the other: the first creates the schema
      String name = "relay-" + (n + 1);
      log("starting " + name + " on port " + nodePorts.get(n));
      List<String> arguments = new ArrayList<>(relayArguments(db, simulatorPort, brokers));
      accessLogs.add(options.out().resolve(name + "-access"));
      arguments.addAll(AccessLog.arguments(accessLogs.get(n)));
      ChildJvm node = own(ChildJvm.start(options.relayJava(), name, nodePorts.get(n),
          options.heap(), options.relayJvmArgs(), RelayApplication.class.getName(), false,
          arguments, options.out()));
      node.awaitHealthy(http, START_TIMEOUT);
      nodes.add(node);
    }
    ExecutorService connections = LoadGenerator.connectionPool();
    own(connections::shutdownNow);
    LoadGenerator.Transport intakes = brokers == null
        ? LoadGenerator.rest(connections, nodes.stream().map(n -> n.uri("/api/messages")).toList())
        : LoadGenerator.kafka(own(producer(brokers)), TOPIC);

    try (Connection sampling = db.connect(); Connection checks = db.connect()) {
      Result.OpenRooms openRooms =
          options.openRooms() > 0 ? fillOpenRooms(nodes, intakes, simulator, checks) : null;
      warmUp(intakes, checks);

      List<ProcessGroup> processes = new ArrayList<>();
      List<String> names = new ArrayList<>();
      for (ChildJvm node : nodes) {
        processes.add(new ProcessGroup(ProcessHandle.of(node.pid()).orElseThrow(), false));
        names.add(node.name());
      }
      processes.add(new ProcessGroup(ProcessHandle.of(simulator.pid()).orElseThrow(), false));
      names.add(simulator.name());
      processes.add(new ProcessGroup(db.postmaster(), true));
      names.add("postgres");
      // the load generator and the sampler (and with --intake=kafka the broker) share the cores
      processes.add(new ProcessGroup(ProcessHandle.current(), false));
      names.add("harness");

      LoadGenerator load = new LoadGenerator(intakes, CHANNEL,
          Workload.load(options.rooms(), options.messagesPerRoom()), options.messages());
      long databaseAtStart = BenchDatabase.size(checks);
      boolean countingStatements = BenchDatabase.resetStatements(checks);
      BenchDatabase.Activity activityAtStart =
          countingStatements ? BenchDatabase.activity(checks) : null;
      Map<String, BenchDatabase.TableWrites> tableWritesAtStart = BenchDatabase.tableWrites(checks);
      long startNanos = System.nanoTime();
      long startMicros = LoadGenerator.nowMicros();
      Sampler sampler = own(new Sampler(http, simulator.uri("/simulator/bench/interval"), load,
          processes, sampling, startNanos));
      sampler.start();
      log("load: " + options.messages() + " messages at " + options.rate() + "/s");
      load.openLoop(options.rate());
      double loadSeconds = (System.nanoTime() - startNanos) / 1e9;
      double ackGateMillis = ackGateMillis(nodes.get(0));

      sampler.phase("drain");
      log("load sent; waiting up to " + options.drainTimeout().toSeconds()
          + " s for the last answers and ACKs");
      long drainStart = System.nanoTime();
      boolean drained = load.awaitAnswers(options.drainTimeout())
          && allDelivered(checks, Workload.LOAD_ROOMS, left(options.drainTimeout(), drainStart));
      double drainSeconds = (System.nanoTime() - drainStart) / 1e9;
      sampler.close();
      String perMessage =
          countingStatements
              ? BenchDatabase.activity(checks).minus(activityAtStart).perMessage(load.accepted())
              : null;

      log("checking every message and the order the provider saw");
      Accounting.Outcome outcome =
          Accounting.of(checks, load, firstAttempts(simulator), startMicros);
      List<Double> heaps = nodes.stream().map(this::heapAfterGcMib).toList();
      Map<String, Long> largestTables = BenchDatabase.largestTables(checks, 10);
      List<String> tableWrites = BenchDatabase.tableWritesPerMessage(
          tableWritesAtStart, BenchDatabase.tableWrites(checks), load.accepted());
      List<String> statements =
          countingStatements ? BenchDatabase.topStatements(checks, 80) : List.of();
      // everything above is the load's; the probe's requests come after it
      long loadEndMillis = System.currentTimeMillis();
      Map<String, Double> requestCost = requestCost(nodes.get(0));
      nodes.forEach(ChildJvm::close); // their access logs are complete once they have stopped
      long referenceAtEnd = ReferenceWork.cpuMillis();
      AccessLog.Times inRelay = AccessLog.read(accessLogs, startMicros / 1000, loadEndMillis);
      Result.Settled settled = null;
      if (options.settles()) {
        long settledMicros = startMicros + options.settle().toNanos() / 1_000;
        settled = new Result.Settled(
            options.settle().toMillis() / 1000.0,
            Result.Latency.of(
                Accounting.ackToNextDispatchFrom(outcome.handOvers(), settledMicros)),
            Result.Latency.of(Accounting.intakeFrom(load, settledMicros)),
            Result.Latency.of(
                AccessLog.read(accessLogs, settledMicros / 1000, loadEndMillis).intake()));
      }
      List<Sample> samples = sampler.samples();
      Result result = result(startedAt, referenceAtStart, referenceAtEnd, database, settings,
          loadSeconds, drainSeconds, drained,
          load, outcome, ackGateMillis, sampler, samples, names, heaps, databaseAtStart,
          largestTables, openRooms, inRelay, settled, requestCost);
      Report.write(result, names, samples, outcome, title(), options.out());
      Files.write(options.out().resolve("tables.csv"), tableWrites);
      if (countingStatements) {
        Files.write(options.out().resolve("statements.csv"), statements);
        Files.writeString(options.out().resolve("per-message.txt"), perMessage + "\n");
        log(perMessage);
      }
      log("figures in " + options.out().toAbsolutePath());
      return result;
    }
  }

  /** The node's CPU per request of each kind, warm from the load ({@code --request-cost}). */
  private Map<String, Double> requestCost(ChildJvm node) throws Exception {
    if (options.requestCost() == 0) {
      return Map.of();
    }
    log("request cost: " + options.requestCost() + " requests of each kind to " + node.name());
    return RequestCost.measure(http, node,
        RequestCost.kinds(node, CHANNEL, LoadGenerator.API_TOKEN, WEBHOOK_SECRET),
        options.requestCost());
  }

  /**
   * Runs the load's shape in rooms of its own, unmeasured, and waits until it is delivered: a
   * cold JVM spends much of its first minutes compiling, which no steady state has.
   */
  private void warmUp(LoadGenerator.Transport intakes, Connection db) throws Exception {
    if (options.warmUpMessages() == 0) {
      return;
    }
    String rising = options.warmUpRamps() ? options.warmUpFrom() + " rising to " : "";
    log("warm-up: " + options.warmUpMessages() + " messages at " + rising + options.rate() + "/s");
    LoadGenerator warmUp = new LoadGenerator(intakes, CHANNEL,
        Workload.warmUp(options.rooms(), options.messagesPerRoom()), options.warmUpMessages());
    warmUp.openLoop(options.warmUpFrom(), options.rate());
    long start = System.nanoTime();
    boolean drained = warmUp.awaitAnswers(options.drainTimeout())
        && allDelivered(db, Workload.WARM_UP_ROOMS, left(options.drainTimeout(), start));
    log("warm-up " + (drained ? "delivered" : "not all delivered; going on"));
  }

  /**
   * Gives each open room one message that the simulator never ACKs, waits until all reached the
   * provider, and measures what they cost: database and Relay heap (after a full GC) per room.
   */
  private Result.OpenRooms fillOpenRooms(List<ChildJvm> nodes, LoadGenerator.Transport intakes,
      ChildJvm simulator, Connection db) throws Exception {
    double heapBefore = nodes.stream().mapToDouble(this::heapAfterGcMib).sum();
    long databaseBefore = BenchDatabase.size(db);
    log("filling " + options.openRooms() + " open rooms");
    long start = System.nanoTime();
    LoadGenerator fill = new LoadGenerator(
        intakes, OPEN_CHANNEL, Workload.open(), options.openRooms());
    fill.closedLoop(FILL_CONCURRENCY);
    Duration timeout = Duration.ofSeconds(Math.max(120, options.openRooms() / 20));
    if (!Poll.until(timeout, Duration.ofSeconds(1),
        () -> simulatorStats(simulator).get("accepted").asLong() >= fill.accepted())) {
      throw new IllegalStateException("open rooms not all dispatched within " + timeout);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    double heapAfter = nodes.stream().mapToDouble(this::heapAfterGcMib).sum();
    long databaseAfter = BenchDatabase.size(db);
    log(fill.accepted() + " open rooms waiting for their ACK after " + Report.f(seconds) + " s");
    return new Result.OpenRooms((int) fill.accepted(), seconds,
        (databaseAfter - databaseBefore) / (double) fill.accepted(),
        (heapAfter - heapBefore) * MIB / fill.accepted());
  }

  private Result result(String startedAt, long referenceAtStart, long referenceAtEnd,
      String database, Map<String, String> settings,
      double loadSeconds, double drainSeconds, boolean drained, LoadGenerator load,
      Accounting.Outcome outcome, double ackGateMillis, Sampler sampler, List<Sample> samples,
      List<String> names, List<Double> heaps, long databaseAtStart, Map<String, Long> largestTables,
      Result.OpenRooms openRooms, AccessLog.Times inRelay, Result.Settled settled,
      Map<String, Double> requestCost) {
    // the steady part of the load: after it has settled, before the drain
    double settling = Math.min(10, loadSeconds / 5);
    int from = (int) samples.stream().filter(s -> s.t() <= settling).count();
    int to = (int) samples.stream().filter(s -> s.phase().equals("load")).count();
    if (to <= from) { // a run of a few seconds: take all of its load
      from = 0;
    }
    List<Integer> steady = IntStream.range(from, Math.max(to, from + 1)).boxed()
        .filter(i -> i < samples.size()).toList();

    // the load's last minute: a node reaches its full speed only minutes after its start (the JIT)
    double loadEnd = samples.stream().filter(s -> s.phase().equals("load"))
        .mapToDouble(Sample::t).max().orElse(0);
    double lastMinuteFrom = Math.max(0, loadEnd - LAST_MINUTE_SECONDS);
    long lastMinuteDelivered = samples.stream()
        .filter(s -> s.t() > lastMinuteFrom && s.t() <= loadEnd).mapToLong(Sample::delivered).sum();

    List<ProcessFigures> processes = new ArrayList<>();
    for (int p = 0; p < names.size(); p++) {
      int k = p;
      double[] cpu = steady.stream().mapToDouble(i -> samples.get(i).cpuPercent()[k])
          .filter(v -> !Double.isNaN(v)).toArray();
      double cpuSeconds = 0;
      double lastMinuteCpuSeconds = 0;
      for (int i = 0; i < samples.size(); i++) {
        Sample sample = samples.get(i);
        double percent = sample.cpuPercent()[k];
        double seconds = sample.t() - (i == 0 ? 0 : samples.get(i - 1).t());
        double used = Double.isNaN(percent) ? 0 : percent / 100 * seconds;
        cpuSeconds += used;
        if (sample.t() > lastMinuteFrom && sample.t() <= loadEnd) {
          lastMinuteCpuSeconds += used;
        }
      }
      processes.add(new ProcessFigures(names.get(p),
          Arrays.stream(cpu).average().orElse(Double.NaN),
          Arrays.stream(cpu).max().orElse(Double.NaN),
          cpuSeconds,
          lastMinuteDelivered == 0 ? Double.NaN : lastMinuteCpuSeconds * 1000 / lastMinuteDelivered,
          samples.stream().mapToDouble(s -> s.memoryMib()[k]).max().orElse(Double.NaN),
          p < heaps.size() ? heaps.get(p) : null));
    }

    // every accepted message takes room, delivered yet or not
    double databasePer1000 = samples.isEmpty() || load.accepted() == 0 ? Double.NaN
        : (samples.get(samples.size() - 1).databaseBytes() - databaseAtStart) * 1000.0
            / load.accepted();

    List<String> problems = new ArrayList<>();
    if (!drained) {
      problems.add("not all delivered within the drain timeout of " + options.drainTimeout());
    }
    problems.addAll(outcome.lostExamples());
    problems.addAll(outcome.orderExamples());

    return new Result(
        startedAt,
        options.commandLine(),
        machine(),
        referenceAtStart,
        referenceAtEnd,
        database,
        settings,
        loadSeconds,
        drainSeconds,
        drained,
        new Result.Intake(options.messages(), load.sent(), load.accepted(), load.skipped(),
            load.failed(), load.otherAnswers(), outcome.storedWithout202()),
        rate(samples, steady, Sample::intakeAccepted),
        rate(samples, steady, Sample::delivered),
        worst(samples, steady, Sample::delivered, 10),
        Result.Latency.of(outcome.ackToNextDispatch()),
        Result.Latency.of(sampler.intakeLatency()),
        Result.Latency.of(inRelay.intake()),
        Result.Latency.of(inRelay.webhook()),
        settled,
        outcome.delivered(),
        outcome.pending(),
        outcome.givenUp(),
        outcome.lost(),
        outcome.orderViolations(),
        outcome.overtakes(),
        Result.Latency.of(outcome.droppedAckStalls()),
        ackGateMillis,
        problems,
        processes,
        databasePer1000,
        largestTables,
        openRooms,
        requestCost);
  }

  /** Count per second over the given samples. */
  private static double rate(List<Sample> samples, List<Integer> window,
      ToLongFunction<Sample> count) {
    if (window.isEmpty()) {
      return Double.NaN;
    }
    double start = window.get(0) == 0 ? 0 : samples.get(window.get(0) - 1).t();
    double end = samples.get(window.get(window.size() - 1)).t();
    return window.stream().mapToLong(i -> count.applyAsLong(samples.get(i))).sum() / (end - start);
  }

  /** The lowest rate over {@code seconds} consecutive samples of the window; NaN if shorter. */
  private static double worst(List<Sample> samples, List<Integer> window,
      ToLongFunction<Sample> count, int seconds) {
    double worst = Double.NaN;
    for (int i = 0; i + seconds <= window.size(); i++) {
      double r = rate(samples, window.subList(i, i + seconds), count);
      worst = Double.isNaN(worst) ? r : Math.min(worst, r);
    }
    return worst;
  }

  private List<String> simulatorArguments(List<Integer> nodePorts) {
    return List.of(
        "--relay.simulator.callback-url=" + nodePorts.stream()
            .map(p -> "http://localhost:" + p + "/webhooks/{channel}")
            .collect(Collectors.joining(",")),
        "--relay.simulator.webhook-secret=" + WEBHOOK_SECRET,
        "--relay.simulator.callback-delay=" + options.ackDelay().toMillis() + "ms",
        "--relay.simulator.callback-jitter=" + options.ackJitter().toMillis() + "ms",
        "--relay.simulator.callback-batch-window=" + options.callbackBatch().toMillis() + "ms",
        "--relay.simulator.drop-rate=" + options.dropRate(),
        "--relay.simulator.drop-recipient-prefix=" + Workload.OPEN_ROOMS);
  }

  /**
   * A Kafka broker (KRaft) in this process, with the intake topic and its dead-letter topic;
   * returns its address.
   */
  private String startBroker() {
    log("starting a Kafka broker (" + PARTITIONS + " partitions)");
    EmbeddedKafkaKraftBroker broker =
        new EmbeddedKafkaKraftBroker(1, PARTITIONS, TOPIC, TOPIC + ".DLT");
    broker.afterPropertiesSet();
    own(broker::destroy);
    return broker.getBrokersAsString();
  }

  private static KafkaProducer<String, String> producer(String brokers) {
    return new KafkaProducer<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers,
        ProducerConfig.ACKS_CONFIG, "all",
        ProducerConfig.LINGER_MS_CONFIG, 1,
        ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
        ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class));
  }

  private List<String> relayArguments(BenchDatabase db, int simulatorPort, String brokers) {
    List<String> args = new ArrayList<>(List.of(
        "--spring.profiles.active=prod",
        "--spring.datasource.url=" + db.url(),
        "--spring.datasource.username=" + db.user(),
        "--spring.datasource.password=" + db.password(),
        "--RELAY_ADMIN_USER=" + ADMIN_USER,
        "--RELAY_ADMIN_PASSWORD=" + ADMIN_PASSWORD,
        "--relay.api.tokens=" + LoadGenerator.API_TOKEN,
        "--relay.simulator.enabled=false"));
    if (brokers != null) {
      args.add("--relay.intake.kafka.bootstrap-servers=" + brokers);
    }
    channel(args, CHANNEL, simulatorPort, options.ackGateTimeout(), null);
    if (options.openRooms() > 0) {
      channel(args, OPEN_CHANNEL, simulatorPort, AckGateSetting.fixed(OPEN_ROOM_WAIT),
          OPEN_ROOM_WAIT);
    }
    return args;
  }

  private static void channel(List<String> args, String name, int simulatorPort,
      AckGateSetting ackGateTimeout, Duration resendDelay) {
    String prefix = "--relay.channels." + name + ".";
    args.add(prefix + "base-url=http://localhost:" + simulatorPort + "/simulator/" + name);
    args.add(prefix + "api-token=" + PROVIDER_TOKEN);
    args.add(prefix + "webhook-secret=" + WEBHOOK_SECRET);
    args.add(prefix + "ack-gate-timeout=" + Options.argument(ackGateTimeout));
    if (resendDelay != null) {
      args.add(prefix + "resend-delays=" + resendDelay.toMillis() + "ms");
    }
  }

  private Map<String, List<FirstAttempt>> firstAttempts(ChildJvm simulator) throws Exception {
    HttpResponse<String> answer = http.send(
        HttpRequest.newBuilder(simulator.uri(
            "/simulator/bench/first-attempts?recipientPrefix=" + Workload.LOAD_ROOMS)).build(),
        HttpResponse.BodyHandlers.ofString());
    return json.readValue(answer.body(), new TypeReference<>() {});
  }

  private JsonNode simulatorStats(ChildJvm simulator) throws Exception {
    return json.readTree(http.send(HttpRequest.newBuilder(simulator.uri("/simulator/stats")).build(),
        HttpResponse.BodyHandlers.ofString()).body());
  }

  /** The node's heap in use right after a full GC (jcmd GC.run), in MiB; NaN if unknown. */
  private double heapAfterGcMib(ChildJvm node) {
    try {
      Process gc = new ProcessBuilder(
          Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
          Long.toString(node.pid()), "GC.run")
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .start();
      if (!gc.waitFor(2, TimeUnit.MINUTES) || gc.exitValue() != 0) {
        return Double.NaN;
      }
      return metric(node, "jvm.memory.used?tag=area:heap") / MIB;
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Double.NaN;
    }
  }

  /** The ACK gate the node's rooms of the bench channel use now (gauge relay.ack.gate), in ms. */
  private double ackGateMillis(ChildJvm node) {
    try {
      return metric(node, "relay.ack.gate?tag=channel:" + CHANNEL) * 1000;
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Double.NaN;
    }
  }

  /** A metric's first measurement from the node's actuator. */
  private double metric(ChildJvm node, String nameAndTags)
      throws IOException, InterruptedException {
    JsonNode metric = json.readTree(http.send(
        HttpRequest.newBuilder(node.uri("/actuator/metrics/" + nameAndTags))
            .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                (ADMIN_USER + ":" + ADMIN_PASSWORD).getBytes(StandardCharsets.UTF_8)))
            .build(),
        HttpResponse.BodyHandlers.ofString()).body());
    return metric.get("measurements").get(0).get("value").asDouble();
  }

  private String title() {
    return String.format(Locale.ROOT,
        "Relay: %s msg/s (%s) into %d rooms x %d in a row, %d node(s), ACK after %d+%d ms (x2),"
            + " callbacks batched %d ms, drop %s, %d open rooms",
        Report.f(options.rate()), options.intake().name().toLowerCase(Locale.ROOT),
        options.rooms(), options.messagesPerRoom(), options.nodes(),
        options.ackDelay().toMillis(), options.ackJitter().toMillis(),
        options.callbackBatch().toMillis(), Report.f(options.dropRate()), options.openRooms());
  }

  static String machine() {
    String cpu = "";
    long memoryKb = 0;
    try {
      cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
          .filter(l -> l.startsWith("model name"))
          .map(l -> l.substring(l.indexOf(':') + 1).trim())
          .findFirst().orElse("");
      memoryKb = Files.readAllLines(Path.of("/proc/meminfo")).stream()
          .filter(l -> l.startsWith("MemTotal:"))
          .mapToLong(l -> Long.parseLong(l.replaceAll("\\D", "")))
          .findFirst().orElse(0);
    } catch (IOException e) {
      // not Linux: the rest still says something
    }
    return String.format(Locale.ROOT, "%d CPUs (%s), %.1f GiB RAM, %s %s, Java %s (%s)",
        Runtime.getRuntime().availableProcessors(), cpu, memoryKb / 1024.0 / 1024.0,
        System.getProperty("os.name"), System.getProperty("os.version"),
        System.getProperty("java.version"), System.getProperty("java.vm.name"));
  }

  /**
   * Whether every stored message of the rooms is delivered within the time. The count reads all
   * their rows (~140 ms of PostgreSQL's CPU at 90,000), so while many are left it is taken every
   * 5 s instead of every second: not to slow the node it waits for.
   */
  private static boolean allDelivered(Connection db, String roomPrefix, Duration timeout)
      throws SQLException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (long left = Accounting.undelivered(db, roomPrefix); left > 0;
        left = Accounting.undelivered(db, roomPrefix)) {
      long wait = Math.min(left > MANY_LEFT ? 5_000 : 1_000,
          TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
      if (wait <= 0) {
        return false;
      }
      Thread.sleep(wait);
    }
    return true;
  }

  private static Duration left(Duration timeout, long sinceNanos) {
    Duration left = timeout.minusNanos(System.nanoTime() - sinceNanos);
    return left.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : left;
  }

  private <T extends AutoCloseable> T own(T resource) {
    synchronized (resources) {
      resources.add(resource);
    }
    return resource;
  }

  /** Stops the processes, newest first; safe to call again (the shutdown hook does). */
  private void close() {
    List<AutoCloseable> toClose;
    synchronized (resources) {
      toClose = new ArrayList<>(resources);
      resources.clear();
    }
    Collections.reverse(toClose);
    for (AutoCloseable resource : toClose) {
      try {
        resource.close();
      } catch (Exception e) {
        System.err.println("bench: could not stop " + resource + ": " + e);
      }
    }
  }

  private void log(String message) {
    System.out.printf(Locale.ROOT, "bench [%6.1f s] %s%n",
        (System.nanoTime() - created) / 1e9, message);
  }
}
