package dev.relay.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A fixed piece of work timed in this thread's CPU time: how fast the machine is at this hour. The
 * same build costs ~20 % more CPU per message in one hour than in another on these shared
 * machines (docs/benchmarks.md, session 26), with no steal reported: this figure, taken before and
 * after a run, is meant to tell a slow hour from a slow build. CPU time, not wall time, so that
 * waiting for a core does not count.
 */
final class ReferenceWork {

  /** 16 MB: past the cores' own caches, as a busy server's working set is. */
  private static final int NUMBERS = 4_000_000;

  private static final int ROUNDS = 6;

  private ReferenceWork() {}

  /**
   * Sorts a copy of the same 4 million numbers six times and answers the fastest of the last five
   * in CPU milliseconds (the first runs before the JIT has compiled the sort).
   */
  static long cpuMillis() {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    // made for each measurement, not kept: the harness's memory is one of the run's figures
    int[] source = new SplittableRandom(42).ints(NUMBERS).toArray();
    long fastest = Long.MAX_VALUE;
    for (int round = 0; round < ROUNDS; round++) {
      int[] numbers = source.clone();
      long start = threads.getCurrentThreadCpuTime();
      Arrays.sort(numbers);
      long nanos = threads.getCurrentThreadCpuTime() - start;
      if (round > 0) {
        fastest = Math.min(fastest, nanos);
      }
    }
    return fastest / 1_000_000;
  }
}
