package dev.relay.receipt;

import java.time.Instant;
import java.util.List;

/** GET /api/read-syncs/{syncId} (API.md §3). */
record ReadSyncView(String syncId, SyncStatus status, List<Step> steps) {

  record Step(String step, StepStatus status, Instant at) {}
}
