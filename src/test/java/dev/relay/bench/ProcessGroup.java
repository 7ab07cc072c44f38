package dev.relay.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * CPU and memory of a process, or of a process and all its descendants (PostgreSQL's postmaster
 * and backends), read from {@code /proc}. Linux only; elsewhere the figures are NaN / -1.
 */
final class ProcessGroup {

  private static final long TICKS_PER_SECOND = clockTicks();
  private static final long PSS_EVERY_NANOS = 10_000_000_000L;

  private final ProcessHandle root;
  private final boolean withDescendants;
  private long lastTicks = -1;
  private long lastNanos;
  private double groupMib = Double.NaN;
  private long groupMibNanos;

  ProcessGroup(ProcessHandle root, boolean withDescendants) {
    this.root = root;
    this.withDescendants = withDescendants;
  }

  /**
   * CPU used since the previous call, in % of one core; NaN on the first call. The root's
   * figure includes the children it has reaped, so a backend that exits between two calls still
   * counts.
   */
  double cpuPercent() {
    long ticks = ticks();
    long now = System.nanoTime();
    double percent = lastTicks < 0 || ticks < 0
        ? Double.NaN
        : 100.0 * (ticks - lastTicks) / TICKS_PER_SECOND / ((now - lastNanos) / 1e9);
    lastTicks = ticks;
    lastNanos = now;
    return percent;
  }

  /** CPU used so far, in seconds; NaN if the process is gone. */
  double cpuSeconds() {
    long ticks = ticks();
    return ticks < 0 ? Double.NaN : (double) ticks / TICKS_PER_SECOND;
  }

  private long ticks() {
    long ticks = stat(root.pid(), true);
    if (withDescendants && ticks >= 0) {
      ticks += root.descendants().mapToLong(p -> Math.max(0, stat(p.pid(), false))).sum();
    }
    return ticks;
  }

  /**
   * Resident memory in MiB: the process's RSS; for a group, the sum of each process's PSS
   * (proportional set size), so shared memory such as PostgreSQL's shared_buffers counts once.
   * A group's is read at most every {@link #PSS_EVERY_NANOS}: the kernel walks every page of
   * every process for it, for PostgreSQL's ~45 processes a tenth of a second, which read every
   * second took 8 % of a core from the processes measured.
   */
  double memoryMib() {
    if (!withDescendants) {
      return status(root.pid(), "VmRSS:") / 1024.0;
    }
    long now = System.nanoTime();
    if (Double.isNaN(groupMib) || now - groupMibNanos >= PSS_EVERY_NANOS) {
      groupMib = Stream.concat(Stream.of(root), root.descendants())
          .mapToLong(p -> pss(p.pid()))
          .sum() / 1024.0;
      groupMibNanos = now;
    }
    return groupMib;
  }

  /** utime + stime (+ cutime + cstime) in clock ticks; -1 if the process is gone. */
  private static long stat(long pid, boolean withReapedChildren) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      // the command name may hold spaces: the fields we need follow its closing parenthesis
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
      return withReapedChildren ? ticks + Long.parseLong(f[13]) + Long.parseLong(f[14]) : ticks;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** A "Name:   1234 kB" line of /proc/pid/status, in kB; 0 if unreadable. */
  private static long status(long pid, String field) {
    return kb(Path.of("/proc", Long.toString(pid), "status"), field);
  }

  private static long pss(long pid) {
    long pss = kb(Path.of("/proc", Long.toString(pid), "smaps_rollup"), "Pss:");
    return pss > 0 ? pss : status(pid, "VmRSS:");
  }

  private static long kb(Path file, String field) {
    try {
      List<String> lines = Files.readAllLines(file);
      return lines.stream()
          .filter(l -> l.startsWith(field))
          .mapToLong(l -> Long.parseLong(l.substring(field.length()).trim().split("\\s+")[0]))
          .findFirst()
          .orElse(0);
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  private static long clockTicks() {
    try {
      Process getconf = new ProcessBuilder("getconf", "CLK_TCK").start();
      return Long.parseLong(new String(getconf.getInputStream().readAllBytes()).trim());
    } catch (IOException | RuntimeException e) {
      return 100; // the usual USER_HZ
    }
  }
}
