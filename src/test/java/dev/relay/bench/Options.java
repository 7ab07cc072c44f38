package dev.relay.bench;

import dev.relay.channel.AckGateSetting;
import dev.relay.support.ChildJvm;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.springframework.boot.convert.DurationStyle;

/**
 * The benchmark's settings, from {@code --name=value} arguments (durations as {@code 300s},
 * {@code 50ms}, {@code PT5M}). {@link #USAGE} says what each one does.
 *
 * @param rate intake requests per second, sent on schedule whatever the answers (open loop)
 * @param warmUpFrom the warm-up's rate at its start, rising evenly to {@code rate} by its end
 */
record Options(
    int rooms,
    int messagesPerRoom,
    double rate,
    Duration duration,
    Duration ackDelay,
    Duration ackJitter,
    Duration callbackBatch,
    double dropRate,
    int nodes,
    Intake intake,
    int openRooms,
    Pg pg,
    String pgUrl,
    String pgUser,
    String pgPassword,
    Map<String, String> pgSettings,
    AckGateSetting ackGateTimeout,
    Duration drainTimeout,
    Duration warmUp,
    double warmUpFrom,
    Duration settle,
    String heap,
    List<String> relayJvmArgs,
    Path relayJava,
    int requestCost,
    Path out) {

  enum Intake {
    /** POST /api/messages, spread over the nodes. */
    REST,
    /** Records on the intake topic of a broker the benchmark starts (API.md §1b). */
    KAFKA
  }

  enum Pg {
    /** zonky's PostgreSQL from Maven artifacts: nothing to install. */
    EMBEDDED,
    /** A running server; the benchmark creates (and first drops) the database relay_bench on it. */
    LOCAL
  }

  static final String USAGE =
      """
      Relay benchmark: Relay nodes on one PostgreSQL, the provider simulator, an open-loop load.
        --rooms=1000              rooms the load cycles through
        --messages-per-room=10    a room gets this many messages in a row, then the next room has its turn
        --rate=300                intake requests per second, sent on schedule (open loop)
        --duration=300s           how long the load runs (rate x duration messages)
        --ack-delay=50ms          the simulator's wait before each status callback (sent, then delivered)
        --ack-jitter=50ms         uniformly random extra wait on top of ack-delay
        --callback-batch=0ms      the simulator's batch window: statuses falling due within it share
                                  one webhook request, as busy providers send them (0ms: one each)
        --drop-rate=0             share of provider requests whose callbacks never come
        --nodes=1                 Relay nodes, all on the one database
        --intake=rest             rest | kafka: records keyed by room on a topic of an embedded
                                  broker (KRaft, 3 partitions) that every node consumes
        --open-rooms=0            rooms filled first with one message each that is never ACKed
        --pg=embedded             embedded | local (a running server, see --pg-url)
        --pg-url=jdbc:postgresql://localhost:5432/postgres   admin connection of --pg=local
        --pg-user=postgres --pg-password=postgres            its credentials
        --pg-settings=            server settings of the embedded PostgreSQL over the benchmark's
                                  own, comma-separated, e.g. autovacuum_naptime=10s,commit_delay=100
        --ack-gate-timeout=2s     the bench channel's ack-gate-timeout: a duration, or auto
        --drain-timeout=60s       how long to wait after the load for the last ACKs
        --warm-up=60s             unmeasured load at the same rate first, in rooms of their own,
                                  so that the JIT has compiled the hot paths (0s: none)
        --warm-up-from=           the warm-up's rate at its start, rising evenly to --rate by its
                                  end, as a load balancer's slow start brings a new node in: its
                                  compiler has cores to spare while the load is light (blank:
                                  --rate throughout)
        --settle=120s             the load's first part that the "settled" latencies leave out: a
                                  node may still be catching up there after its warm-up (0s: no
                                  settled figures)
        --heap=1g                 -Xmx of each Relay node and of the simulator
        --relay-jvm-args=         more JVM options of each Relay node, space-separated, e.g.
                                  -XX:StartFlightRecording=filename=relay.jfr,settings=profile;
                                  a node runs the image's collector (-XX:+UseParallelGC) unless
                                  these name another (-XX:+UseG1GC)
        --relay-java=             the Java runtime (its home directory) of each Relay node;
                                  blank: the one the benchmark runs on
        --request-cost=0          after the load, this many requests of each kind (a bare one, an
                                  API read, a webhook status) to the first node, after as many
                                  unmeasured: the node's CPU per request (0: none)
        --out=target/bench        where the logs, result.json, timeseries.csv and plot.png go
      """;

  /** The collector of a Relay node in docker/Dockerfile (docs/benchmarks.md: why). */
  static final String PRODUCTION_COLLECTOR = "-XX:+UseParallelGC";

  private static final Map<String, String> DEFAULTS = new LinkedHashMap<>();

  static {
    DEFAULTS.put("rooms", "1000");
    DEFAULTS.put("messages-per-room", "10");
    DEFAULTS.put("rate", "300");
    DEFAULTS.put("duration", "300s");
    DEFAULTS.put("ack-delay", "50ms");
    DEFAULTS.put("ack-jitter", "50ms");
    DEFAULTS.put("callback-batch", "0ms");
    DEFAULTS.put("drop-rate", "0");
    DEFAULTS.put("nodes", "1");
    DEFAULTS.put("intake", "rest");
    DEFAULTS.put("open-rooms", "0");
    DEFAULTS.put("pg", "embedded");
    DEFAULTS.put("pg-url", "jdbc:postgresql://localhost:5432/postgres");
    DEFAULTS.put("pg-user", "postgres");
    DEFAULTS.put("pg-password", "postgres");
    DEFAULTS.put("pg-settings", "");
    DEFAULTS.put("ack-gate-timeout", "2s");
    DEFAULTS.put("drain-timeout", "60s");
    DEFAULTS.put("warm-up", "60s");
    DEFAULTS.put("warm-up-from", "");
    DEFAULTS.put("settle", "120s");
    DEFAULTS.put("heap", "1g");
    DEFAULTS.put("relay-jvm-args", "");
    DEFAULTS.put("relay-java", "");
    DEFAULTS.put("request-cost", "0");
    DEFAULTS.put("out", "target/bench");
  }

  Options {
    require(rooms > 0 && messagesPerRoom > 0 && nodes > 0 && openRooms >= 0,
        "rooms, messages-per-room and nodes must be > 0, open-rooms >= 0");
    require(rate > 0 && !duration.isNegative() && !duration.isZero(), "rate and duration must be > 0");
    require(dropRate >= 0 && dropRate <= 1, "drop-rate must be between 0 and 1");
    require(!warmUp.isNegative(), "warm-up must be >= 0");
    require(warmUpFrom >= 0 && warmUpFrom <= rate, "warm-up-from must be between 0 and rate");
    require(!settle.isNegative(), "settle must be >= 0");
    require(!callbackBatch.isNegative(), "callback-batch must be >= 0");
    require(requestCost >= 0, "request-cost must be >= 0");
    require(pg == Pg.EMBEDDED || pgSettings.isEmpty(),
        "pg-settings are for --pg=embedded: set a local server's settings on the server");
  }

  /**
   * @throws IllegalArgumentException naming the unknown or malformed argument
   */
  static Options parse(String... args) {
    Map<String, String> values = new LinkedHashMap<>(DEFAULTS);
    for (String arg : args) {
      int eq = arg.indexOf('=');
      String name = arg.startsWith("--") && eq > 2 ? arg.substring(2, eq) : null;
      if (name == null || !DEFAULTS.containsKey(name)) {
        throw new IllegalArgumentException("unknown argument '" + arg + "'\n" + USAGE);
      }
      values.put(name, arg.substring(eq + 1));
    }
    try {
      return new Options(
          Integer.parseInt(values.get("rooms")),
          Integer.parseInt(values.get("messages-per-room")),
          Double.parseDouble(values.get("rate")),
          duration(values.get("duration")),
          duration(values.get("ack-delay")),
          duration(values.get("ack-jitter")),
          duration(values.get("callback-batch")),
          Double.parseDouble(values.get("drop-rate")),
          Integer.parseInt(values.get("nodes")),
          Intake.valueOf(values.get("intake").toUpperCase(Locale.ROOT)),
          Integer.parseInt(values.get("open-rooms")),
          Pg.valueOf(values.get("pg").toUpperCase(Locale.ROOT)),
          values.get("pg-url"),
          values.get("pg-user"),
          values.get("pg-password"),
          settings(values.get("pg-settings")),
          AckGateSetting.valueOf(values.get("ack-gate-timeout")),
          duration(values.get("drain-timeout")),
          duration(values.get("warm-up")),
          values.get("warm-up-from").isBlank()
              ? Double.parseDouble(values.get("rate"))
              : Double.parseDouble(values.get("warm-up-from")),
          duration(values.get("settle")),
          values.get("heap"),
          withCollector(words(values.get("relay-jvm-args"))),
          values.get("relay-java").isBlank()
              ? ChildJvm.OWN_JAVA
              : Path.of(values.get("relay-java")),
          Integer.parseInt(values.get("request-cost")),
          Path.of(values.get("out")));
    } catch (IllegalArgumentException e) { // NumberFormatException is one
      throw new IllegalArgumentException(e.getMessage() + "\n" + USAGE, e);
    }
  }

  private static Map<String, String> settings(String list) {
    Map<String, String> settings = new LinkedHashMap<>();
    for (String setting : list.split(",")) {
      if (setting.isBlank()) {
        continue;
      }
      int eq = setting.indexOf('=');
      String name = eq < 0 ? "" : setting.substring(0, eq).trim();
      String value = eq < 0 ? "" : setting.substring(eq + 1).trim();
      // the names go into the report's query of pg_settings
      require(name.matches("[a-z][a-z0-9_.]*") && !value.isEmpty(),
          "pg-settings: '" + setting + "' is not name=value");
      settings.put(name, value);
    }
    return Collections.unmodifiableMap(settings);
  }

  /** Messages the load sends: rate x duration. */
  int messages() {
    return messagesAt(rate, duration);
  }

  /** Whether the load runs past {@code settle}, so that it has settled figures. */
  boolean settles() {
    return !settle.isZero() && settle.compareTo(duration) < 0;
  }

  /** Messages the warm-up sends: its mean rate x warm-up. */
  int warmUpMessages() {
    return messagesAt((warmUpFrom + rate) / 2, warmUp);
  }

  /** Whether the warm-up's rate rises to the load's. */
  boolean warmUpRamps() {
    return warmUpFrom != rate;
  }

  private static int messagesAt(double meanRate, Duration time) {
    return (int) Math.round(meanRate * time.toNanos() / 1e9);
  }

  /** The options as given on the command line, for the report. */
  String commandLine() {
    return String.format(Locale.ROOT,
        "--rooms=%d --messages-per-room=%d --rate=%s --duration=%ss --ack-delay=%dms"
            + " --ack-jitter=%dms --callback-batch=%dms --drop-rate=%s --nodes=%d --intake=%s --open-rooms=%d --pg=%s"
            + " --ack-gate-timeout=%s --warm-up=%ss --settle=%ss",
        rooms, messagesPerRoom, number(rate), number(duration.toMillis() / 1000.0),
        ackDelay.toMillis(), ackJitter.toMillis(), callbackBatch.toMillis(), number(dropRate), nodes,
        intake.name().toLowerCase(Locale.ROOT), openRooms,
        pg.name().toLowerCase(Locale.ROOT), argument(ackGateTimeout),
        number(warmUp.toMillis() / 1000.0), number(settle.toMillis() / 1000.0))
        + (warmUpRamps() ? " --warm-up-from=" + number(warmUpFrom) : "")
        + (pgSettings.isEmpty() ? "" : " --pg-settings=" + String.join(",",
            pgSettings.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList()))
        // the node's collector among them: a figure depends on it
        + " \"--relay-jvm-args=" + String.join(" ", relayJvmArgs) + "\""
        + (relayJava.equals(ChildJvm.OWN_JAVA) ? "" : " --relay-java=" + relayJava);
  }

  /** An ack-gate-timeout as an argument: {@code auto} or milliseconds. */
  static String argument(AckGateSetting gate) {
    return gate.isAuto() ? "auto" : gate.fixed().toMillis() + "ms";
  }

  private static String number(double d) {
    return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
  }

  /**
   * A node runs with the collector of docker/Dockerfile, so that the benchmark measures what is
   * deployed, unless the options choose one: two would stop the JVM.
   */
  static List<String> withCollector(List<String> relayJvmArgs) {
    if (relayJvmArgs.stream().anyMatch(arg -> arg.matches("-XX:\\+Use\\w+GC"))) {
      return relayJvmArgs;
    }
    List<String> args = new ArrayList<>();
    args.add(PRODUCTION_COLLECTOR);
    args.addAll(relayJvmArgs);
    return List.copyOf(args);
  }

  private static List<String> words(String text) {
    return text.isBlank() ? List.of() : List.of(text.trim().split("\\s+"));
  }

  private static Duration duration(String text) {
    return DurationStyle.detectAndParse(text.trim());
  }

  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new IllegalArgumentException(message);
    }
  }
}
