package dev.relay.receipt;

/** A step failed for good: the saga must compensate. */
class SyncStepFailedException extends RuntimeException {

  SyncStepFailedException(String message) {
    super(message);
  }
}
