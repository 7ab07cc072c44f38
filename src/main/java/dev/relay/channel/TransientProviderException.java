package dev.relay.channel;

import java.time.Duration;
import java.util.Optional;

/** The provider could not take the message now; the engine retries the job with backoff. */
public class TransientProviderException extends RuntimeException {

  private final transient Duration retryAfter;

  public TransientProviderException(String message, Duration retryAfter, Throwable cause) {
    super(message, cause);
    this.retryAfter = retryAfter;
  }

  /** The provider's {@code Retry-After}, when it gave one: the next try must not come sooner. */
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }
}
