package dev.relay.delivery;

import static dev.relay.jdbc.Timestamps.utc;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;

/** relay_provider_status: every status a provider reported and what it did. */
@Repository
class ProviderStatusLog {

  private final JdbcTemplate jdbc;

  ProviderStatusLog(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  // values, not a select: PostgreSQL types every parameter, null ones too, from its column
  private static final String INSERT =
      "insert into relay_provider_status (channel, provider_message_id, reference, status,"
          + " reported_at, received_at, outcome) values (?, ?, ?, ?, ?, ?, %s)";

  /**
   * Notes a {@code sent} status in one statement, without a lock or a transaction of its own: it
   * changes nothing, and it is half of all callbacks. NOTED when a message of the channel has its
   * reference or provider id, UNKNOWN otherwise.
   */
  void noteSent(ProviderStatus status) {
    insert(
        status,
        "(select case when exists (select 1 from relay_message where channel = ?"
            + " and (message_id = ? or provider_message_id = ?)) then 'NOTED' else 'UNKNOWN' end)",
        status.channel(),
        status.reference(),
        status.providerMessageId());
  }

  void record(ProviderStatus status, ProviderStatus.Outcome outcome) {
    insert(status, "?", outcome.name());
  }

  private void insert(ProviderStatus status, String outcome, Object... outcomeArguments) {
    List<Object> arguments =
        new ArrayList<>(
            Arrays.asList(
                status.channel(),
                status.providerMessageId(),
                status.reference(),
                status.kind().name(),
                utc(status.reportedAt()),
                utc(Instant.now())));
    arguments.addAll(Arrays.asList(outcomeArguments));
    jdbc.update(INSERT.formatted(outcome), arguments.toArray());
  }
}
