package dev.relay.bench;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.Callable;
import org.awaitility.core.ConditionTimeoutException;

/** The harness's bounded waits: poll a condition until it holds or the time is up. */
final class Poll {

  private Poll() {}

  /** True once the condition holds; false when {@code timeout} passed first. */
  static boolean until(Duration timeout, Duration every, Callable<Boolean> condition) {
    try {
      await().atMost(timeout).pollDelay(Duration.ZERO).pollInterval(every).until(condition);
      return true;
    } catch (ConditionTimeoutException e) {
      return false;
    }
  }
}
