package dev.relay.web;

/** A 409 with a problem body. */
public class ConflictException extends RuntimeException {

  public ConflictException(String message) {
    super(message);
  }
}
