package dev.relay.web;

import java.io.IOException;

/**
 * A request body grew past its limit while it was read (chunked, or longer than it said). An
 * {@link IOException}, so that it leaves the body's reader as it is, and becomes a 413.
 */
public class PayloadTooLargeException extends IOException {

  private final long limit;

  public PayloadTooLargeException(long limit) {
    super("request body larger than " + limit + " bytes");
    this.limit = limit;
  }

  long limit() {
    return limit;
  }
}
