package dev.relay.support;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.Callable;
import org.awaitility.core.ConditionTimeoutException;

/** Bounded waits outside a Spring test: poll a condition until it holds or the time is up. */
public final class Poll {

  private Poll() {}

  /** True once the condition holds; false when {@code timeout} passed first. */
  public static boolean until(Duration timeout, Duration every, Callable<Boolean> condition) {
    try {
      await().atMost(timeout).pollDelay(Duration.ZERO).pollInterval(every).until(condition);
      return true;
    } catch (ConditionTimeoutException e) {
      return false;
    }
  }
}
