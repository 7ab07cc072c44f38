package dev.relay.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;

/**
 * Each node's Tomcat access log: how long Relay itself took over intake and webhook requests,
 * from reading the request to writing the answer. Beside the harness's intake latency (from the
 * scheduled send to the 202 arriving) it shows how much of that is the node's and how much the
 * client's side, the network stack and the cores shared by every process.
 */
final class AccessLog {

  /** Request start (epoch ms), time taken (µs), status, path. */
  static final String PATTERN = "%{begin:msec}t %{us}T %s %U";

  private static final String INTAKE_PATH = "/api/messages";
  private static final String WEBHOOK_PATHS = "/webhooks/";

  private AccessLog() {}

  /** The node's arguments that write its access log into {@code dir}, buffered. */
  static List<String> arguments(Path dir) {
    return List.of(
        "--server.tomcat.accesslog.enabled=true",
        "--server.tomcat.accesslog.directory=" + dir.toAbsolutePath(),
        "--server.tomcat.accesslog.prefix=access",
        "--server.tomcat.accesslog.suffix=.log",
        "--server.tomcat.accesslog.file-date-format=",
        "--server.tomcat.accesslog.rotate=false",
        "--server.tomcat.accesslog.buffered=true",
        "--server.tomcat.accesslog.pattern=" + PATTERN);
  }

  /** Times of requests by kind, in µs. */
  record Times(Histogram intake, Histogram webhook) {}

  /**
   * Reads the logs (complete once their nodes have stopped: the log is buffered): intake requests
   * answered 202 and webhook requests of any answer, that began in [{@code fromEpochMillis},
   * {@code toEpochMillis}).
   */
  static Times read(List<Path> dirs, long fromEpochMillis, long toEpochMillis) {
    Times times = new Times(new Histogram(3), new Histogram(3));
    for (Path dir : dirs) {
      try (Stream<Path> files = Files.list(dir)) {
        for (Path file : files.toList()) {
          try (Stream<String> lines = Files.lines(file)) {
            lines.forEach(line -> add(times, line, fromEpochMillis, toEpochMillis));
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return times;
  }

  private static void add(Times times, String line, long fromEpochMillis, long toEpochMillis) {
    String[] field = line.split(" ");
    if (field.length != 4) {
      return; // cut short by a node that had to be killed
    }
    long began = Long.parseLong(field[0]);
    if (began < fromEpochMillis || began >= toEpochMillis) {
      return; // not a request of the load
    }
    long micros = Long.parseLong(field[1]);
    if (field[3].equals(INTAKE_PATH) && field[2].equals("202")) {
      times.intake().recordValue(micros);
    } else if (field[3].startsWith(WEBHOOK_PATHS)) {
      times.webhook().recordValue(micros);
    }
  }
}
