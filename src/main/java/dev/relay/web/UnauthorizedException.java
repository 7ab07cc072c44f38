package dev.relay.web;

/**
 * A 401 with a problem body. Its message says which check failed, never what would have passed.
 */
public class UnauthorizedException extends RuntimeException {

  public UnauthorizedException(String message) {
    super(message);
  }
}
