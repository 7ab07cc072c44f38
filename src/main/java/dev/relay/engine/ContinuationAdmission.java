package dev.relay.engine;

import java.time.Instant;
import java.util.Optional;

/**
 * Asked before an asynchronous continuation of an activity that carries the extension property
 * {@value HeldContinuations#PROPERTY} runs: empty lets it run now, a time holds it until then (see
 * {@link HeldContinuations}).
 */
public interface ContinuationAdmission {

  /**
   * @param key the property's value, an expression evaluated on the waiting execution (e.g. the
   *     message the activity works on)
   */
  Optional<Instant> notBefore(String key);
}
