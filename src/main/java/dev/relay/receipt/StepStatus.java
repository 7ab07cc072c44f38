package dev.relay.receipt;

/** Outcome of one saga step, as the sync view shows it. */
enum StepStatus {
  DONE,
  /** The cloud pointer was already at or past the request: nothing moved, nothing to undo. */
  UNCHANGED,
  /** A transient failure; the engine tries again. */
  RETRYING,
  /** Failed for good: the saga compensates. */
  FAILED,
  /** Undone by compensation (mark undone, pointer restored, receipt retracted). */
  COMPENSATED,
  /** Compensation left the cloud pointer where a newer sync had moved it. */
  KEPT,
  /** The device refused a retraction or the failure notice (4xx); nothing more to try. */
  REJECTED
}
