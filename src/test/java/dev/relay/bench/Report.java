package dev.relay.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.relay.bench.Result.ProcessFigures;
import dev.relay.bench.Sampler.Sample;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToLongFunction;
import java.util.stream.Collectors;

/** Writes a run's figures: the table on the console, result.json, timeseries.csv, plot.png. */
final class Report {

  private Report() {}

  static void write(Result result, List<String> processNames, List<Sample> samples,
      Accounting.Outcome outcome, String title, Path out) throws IOException {
    Map<Integer, Double> ackToNextP99BySecond = outcome.ackToNextP99BySecond();
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
        .writeValue(out.resolve("result.json").toFile(), result);
    double[] t = samples.stream().mapToDouble(Sample::t).toArray();
    double[] delivered = perSecond(samples, Sample::delivered);
    double[] intake = perSecond(samples, Sample::intakeAccepted);
    double[] p99 = samples.stream()
        .mapToDouble(s -> ackToNextP99BySecond.getOrDefault(second(s), Double.NaN))
        .toArray();
    writeCsv(out.resolve("timeseries.csv"), processNames, samples, delivered, p99);
    writeHandOvers(out.resolve("handovers.csv"), outcome.handOvers());
    Plot.write(out.resolve("plot.png"), title, t, delivered, intake, p99, result.loadSeconds());
    print(result, System.out);
  }

  /** The values of one counter as rates: each sample's count over the time it covers. */
  private static double[] perSecond(List<Sample> samples, ToLongFunction<Sample> count) {
    double[] rates = new double[samples.size()];
    double previous = 0;
    for (int i = 0; i < rates.length; i++) {
      Sample s = samples.get(i);
      rates[i] = count.applyAsLong(s) / Math.max(1e-3, s.t() - previous);
      previous = s.t();
    }
    return rates;
  }

  /** The whole second since the load started that a sample covers (it ends at {@code t}). */
  private static int second(Sample s) {
    return (int) Math.round(s.t()) - 1;
  }

  static void print(Result r, PrintStream out) {
    List<String[]> rows = new ArrayList<>();
    rows.add(row("delivered messages/s, steady (worst 10 s)",
        f(r.deliveredPerSecond()) + "  (" + f(r.deliveredPerSecondWorst10s()) + ")"));
    rows.add(row("intake accepted/s, steady", f(r.intakeAcceptedPerSecond())));
    rows.add(row("ACK -> next dispatch p50 / p99 / max",
        ms(r.ackToNextDispatch()) + "  (" + r.ackToNextDispatch().count() + " hand-overs)"));
    rows.add(row("intake POST -> 202 (kafka: record -> broker ack) p50 / p99 / max", ms(r.intake())));
    rows.add(row("intake in Relay (Tomcat: request read -> 202 written) p50 / p99 / max",
        ms(r.intakeInRelay())));
    rows.add(row("webhook in Relay (Tomcat) p50 / p99 / max", ms(r.webhookInRelay())));
    if (r.settled() != null) {
      String after = ", after the load's first " + f(r.settled().afterSeconds()) + " s";
      rows.add(row("ACK -> next dispatch p50 / p99 / max" + after,
          ms(r.settled().ackToNextDispatch())));
      rows.add(row("intake POST -> 202 (kafka: record -> broker ack) p50 / p99 / max" + after,
          ms(r.settled().intake())));
      rows.add(row("intake in Relay p50 / p99 / max" + after, ms(r.settled().intakeInRelay())));
    }
    rows.add(row("messages lost", Long.toString(r.lost())));
    rows.add(row("ordering violations", Long.toString(r.orderViolations())));
    rows.add(row("overtakes (next message before the previous one's ACK)",
        Long.toString(r.overtakes())));
    rows.add(row("ACK gate at the end of the load", f(r.ackGateMs()) + " ms"));
    rows.add(row("room stalled on a dropped ACK p50 / p99 / max",
        ms(r.droppedAckStall()) + "  (" + r.droppedAckStall().count() + " stalls)"));
    rows.add(row("delivered / not yet (delivery running) / given up",
        r.delivered() + " / " + r.pending() + " / " + r.givenUp()));
    Result.Intake in = r.intakeRequests();
    rows.add(row("intake scheduled / sent / 202 / other / no answer / skipped",
        in.scheduled() + " / " + in.sent() + " / " + in.accepted() + " / " + in.otherAnswers()
            + " / " + in.failed() + " / " + in.skipped()));
    for (ProcessFigures p : r.processes()) {
      rows.add(row("CPU % of a core, mean (max): " + p.name(),
          f(p.cpuMeanPercent()) + "  (" + f(p.cpuMaxPercent()) + ")"));
    }
    rows.add(row("Relay CPU ms per accepted message (all nodes, load and drain)",
        f(r.processes().stream().filter(p -> p.name().startsWith("relay-"))
            .mapToDouble(ProcessFigures::cpuSeconds).sum() * 1000
            / Math.max(1, r.intakeRequests().accepted()))));
    rows.add(row("CPU ms per delivered message, the load's last 60 s: "
            + r.processes().stream().map(ProcessFigures::name).collect(Collectors.joining(" / ")),
        r.processes().stream().map(p -> f(p.cpuMsPerMessageLastMinute()))
            .collect(Collectors.joining(" / "))));
    for (ProcessFigures p : r.processes()) {
      rows.add(row("memory MiB, max" + (p.name().equals("postgres") ? " (sum of PSS)" : " (RSS)")
              + ": " + p.name(),
          f(p.memoryMaxMib()) + (p.heapAfterGcMib() == null ? ""
              : "  (heap after GC at the end " + f(p.heapAfterGcMib()) + ")")));
    }
    rows.add(row("database growth per 1,000 messages", kib(r.databaseBytesPer1000Messages())
        + "  (largest: " + r.databaseLargestTables().entrySet().stream().limit(3)
            .map(e -> e.getKey() + " " + kib(e.getValue())).collect(Collectors.joining(", "))
        + ")"));
    if (r.openRooms() != null) {
      Result.OpenRooms o = r.openRooms();
      rows.add(row("open rooms: database, Relay heap per room",
          kib(o.databaseBytesPerRoom()) + ", " + kib(o.heapBytesPerRoom())
              + "  (" + o.rooms() + " rooms filled in " + f(o.fillSeconds()) + " s)"));
    }
    r.requestCostMs().forEach((kind, ms) ->
        rows.add(row("node CPU ms per request (after the load): " + kind,
            String.format(Locale.ROOT, "%.3f", ms))));
    rows.add(row("load / drain seconds",
        f(r.loadSeconds()) + " / " + f(r.drainSeconds()) + (r.drained() ? "" : "  (not drained)")));
    int width = rows.stream().mapToInt(row -> row[0].length()).max().orElse(0);

    out.println();
    out.println("Relay benchmark, started " + r.startedAt());
    out.println("  options   " + r.options());
    out.println("  machine   " + r.machine());
    out.println("            reference work " + r.referenceWorkMsAtStart()
        + " ms of CPU before the run, " + r.referenceWorkMsAtEnd()
        + " after (lower: a faster machine at this hour)");
    out.println("  database  " + r.database());
    out.println("            " + r.databaseSettings().entrySet().stream()
        .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(" ")));
    out.println();
    for (String[] row : rows) {
      out.println("  " + row[0] + " ".repeat(width - row[0].length() + 2) + row[1]);
    }
    r.problems().forEach(p -> out.println("  ! " + p));
    out.println();
  }

  private static void writeCsv(Path file, List<String> processNames, List<Sample> samples,
      double[] delivered, double[] ackToNextP99) throws IOException {
    List<String> lines = new ArrayList<>();
    StringBuilder header = new StringBuilder(
        "t_s,phase,intake_sent,intake_accepted,intake_p99_ms,provider_requests,delivered,"
            + "delivered_per_s,ack_next_p99_ms");
    processNames.forEach(n -> header.append(',').append(n).append("_cpu_pct"));
    processNames.forEach(n -> header.append(',').append(n).append("_mem_mib"));
    lines.add(header.append(",db_bytes").toString());
    for (int i = 0; i < samples.size(); i++) {
      Sample s = samples.get(i);
      StringBuilder line = new StringBuilder(String.format(Locale.ROOT,
          "%.3f,%s,%d,%d,%s,%d,%d,%.1f,%s", s.t(), s.phase(), s.intakeSent(), s.intakeAccepted(),
          csv(s.intakeP99Ms()), s.providerRequests(), s.delivered(), delivered[i],
          csv(ackToNextP99[i])));
      for (double cpu : s.cpuPercent()) {
        line.append(',').append(csv(cpu));
      }
      for (double memory : s.memoryMib()) {
        line.append(',').append(csv(memory));
      }
      lines.add(line.append(',').append(s.databaseBytes()).toString());
    }
    Files.write(file, lines);
  }

  private static void writeHandOvers(Path file, List<Accounting.HandOver> handOvers)
      throws IOException {
    List<String> lines = new ArrayList<>();
    lines.add("previous,next,ack_sent_us,acked_us,next_accepted_us,next_dispatched_us,latency_us");
    for (Accounting.HandOver h : handOvers) {
      lines.add(String.join(",", h.previous(), h.next(), Long.toString(h.ackSentAt()),
          Long.toString(h.ackedAt()), Long.toString(h.nextAcceptedAt()),
          Long.toString(h.nextDispatchedAt()), Long.toString(h.latencyMicros())));
    }
    Files.write(file, lines);
  }

  private static String[] row(String name, String value) {
    return new String[] {name, value};
  }

  private static String ms(Result.Latency l) {
    return f(l.p50Ms()) + " / " + f(l.p99Ms()) + " / " + f(l.maxMs()) + " ms";
  }

  private static String kib(double bytes) {
    return Double.isNaN(bytes) ? "-" : f(bytes / 1024) + " KiB";
  }

  private static String csv(double d) {
    return Double.isNaN(d) ? "" : String.format(Locale.ROOT, "%.2f", d);
  }

  static String f(double d) {
    if (Double.isNaN(d)) {
      return "-";
    }
    return String.format(Locale.ROOT, Math.abs(d) >= 100 ? "%.0f" : "%.1f", d);
  }
}
