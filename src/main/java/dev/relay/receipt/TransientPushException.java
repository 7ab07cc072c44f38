package dev.relay.receipt;

/** A device could not take the call now (429, 5xx, timeout, unreachable): worth another try. */
class TransientPushException extends RuntimeException {

  TransientPushException(String message, Throwable cause) {
    super(message, cause);
  }
}
