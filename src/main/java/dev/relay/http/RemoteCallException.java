package dev.relay.http;

import java.time.Duration;
import java.util.Optional;

/**
 * A call of {@link RemoteCalls} that did not get a 2xx answer it could read; its message says
 * what happened ("device answered 410: …", "provider unreachable: …").
 */
public class RemoteCallException extends RuntimeException {

  private final boolean worthAnotherTry;
  private final transient Duration retryAfter;

  RemoteCallException(String message, boolean worthAnotherTry, Duration retryAfter, Throwable cause) {
    super(message, cause);
    this.worthAnotherTry = worthAnotherTry;
    this.retryAfter = retryAfter;
  }

  /** 429, 5xx, timeout, connection refused, an unreadable answer: the same call may work later. */
  public boolean isTransient() {
    return worthAnotherTry;
  }

  /** The service's {@code Retry-After} of a transient failure, when it gave one. */
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }
}
