package dev.relay.channel;

import java.time.Duration;

/**
 * ACK delays counted in buckets 5 % wide on a log scale, from 1 ms to about 2 minutes (longer
 * delays count in the last bucket): a few dozen numbers per channel and slice, small enough to
 * share through the database, and a quantile read from it is at most 5 % above the true one.
 */
final class DelayHistogram {

  static final int BUCKETS = 246;
  private static final double RATIO = 1.05;
  private static final double LOG_RATIO = Math.log(RATIO);

  private final long[] counts = new long[BUCKETS];
  private long total;

  /** The bucket whose upper bound is the smallest at or above the delay. */
  static int bucket(Duration delay) {
    double millis = Math.max(1, delay.toNanos() / 1e6);
    // the small epsilon keeps a delay exactly on a bound in that bound's bucket
    int bucket = (int) Math.ceil(Math.log(millis) / LOG_RATIO - 1e-9);
    return Math.min(Math.max(bucket, 0), BUCKETS - 1);
  }

  static Duration upperBound(int bucket) {
    return Duration.ofNanos(Math.round(Math.pow(RATIO, bucket) * 1e6));
  }

  void add(Duration delay) {
    add(bucket(delay), 1);
  }

  void add(int bucket, long samples) {
    counts[bucket] += samples;
    total += samples;
  }

  void addAll(DelayHistogram other) {
    for (int b = 0; b < BUCKETS; b++) {
      counts[b] += other.counts[b];
    }
    total += other.total;
  }

  long total() {
    return total;
  }

  long count(int bucket) {
    return counts[bucket];
  }

  /** The upper bound of the bucket holding the q-quantile; null when empty. */
  Duration quantile(double q) {
    if (total == 0) {
      return null;
    }
    long rank = Math.max(1, (long) Math.ceil(q * total));
    long seen = 0;
    for (int b = 0; b < BUCKETS; b++) {
      seen += counts[b];
      if (seen >= rank) {
        return upperBound(b);
      }
    }
    return upperBound(BUCKETS - 1);
  }
}
