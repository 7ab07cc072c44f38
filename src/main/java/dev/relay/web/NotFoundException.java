package dev.relay.web;

/** A 404 with a problem body. */
public class NotFoundException extends RuntimeException {

  public NotFoundException(String message) {
    super(message);
  }
}
