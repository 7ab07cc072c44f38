package dev.relay.receipt;

/** A device refused the call for good (a 4xx other than 429, or another non-2xx answer). */
class PushRejectedException extends RuntimeException {

  PushRejectedException(String message) {
    super(message);
  }
}
