package dev.relay.webhook;

import static dev.relay.timeline.Timeline.utc;

import dev.relay.delivery.ProviderStatus;
import java.time.Instant;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;

/** relay_provider_status: every status a provider reported and what it did. */
@Repository
class ProviderStatusLog {

  private final JdbcTemplate jdbc;

  ProviderStatusLog(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  void record(ProviderStatus status, ProviderStatus.Outcome outcome) {
    jdbc.update(
        "insert into relay_provider_status (channel, provider_message_id, reference, status,"
            + " reported_at, received_at, outcome) values (?, ?, ?, ?, ?, ?, ?)",
        status.channel(),
        status.providerMessageId(),
        status.reference(),
        status.kind().name(),
        utc(status.reportedAt()),
        utc(Instant.now()),
        outcome.name());
  }
}
