package dev.relay.receipt;

/** A sync as API.md §3 shows it. Compensation still counts as RUNNING until it has finished. */
enum SyncStatus {
  RUNNING,
  COMPLETED,
  COMPENSATED
}
