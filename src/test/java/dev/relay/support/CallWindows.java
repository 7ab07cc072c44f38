package dev.relay.support;

import java.time.Instant;
import java.util.List;

/** Provider calls counted per second, as a rate limit promises them. */
public final class CallWindows {

  private CallWindows() {}

  /**
   * The most calls in any one-second window that starts with a call at or after {@code from}.
   *
   * @param calls the calls' times, in order
   */
  public static int maxInOneSecond(List<Instant> calls, Instant from) {
    int max = 0;
    for (int i = 0; i < calls.size(); i++) {
      if (calls.get(i).isBefore(from)) {
        continue;
      }
      int j = i;
      while (j < calls.size() && calls.get(j).isBefore(calls.get(i).plusSeconds(1))) {
        j++;
      }
      max = Math.max(max, j - i);
    }
    return max;
  }
}
