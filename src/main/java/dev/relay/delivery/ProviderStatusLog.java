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

  private static final String INSERT_WITH_OUTCOME = INSERT.formatted("?");

  // an index each, the message's own key first: one "or" over both columns read both indexes
  private static final String INSERT_NOTED_OR_UNKNOWN =
      INSERT.formatted(
          "(select case when exists (select 1 from relay_message where message_id = ? and channel = ?)"
              + " or exists (select 1 from relay_message where provider_message_id = ? and channel = ?)"
              + " then 'NOTED' else 'UNKNOWN' end)");

  /**
   * Notes {@code sent} statuses, one statement each and one round trip for all, without a lock:
   * they change nothing, and they are half of all statuses. NOTED when a message of the channel
   * has the status's reference or provider id, UNKNOWN otherwise.
   */
  void noteSent(List<ProviderStatus> sent) {
    jdbc.batchUpdate(
        INSERT_NOTED_OR_UNKNOWN,
        sent.stream()
            .map(s -> arguments(
                s, s.reference(), s.channel(), s.providerMessageId(), s.channel()))
            .toList());
  }

  void record(ProviderStatus status, ProviderStatus.Outcome outcome) {
    jdbc.update(INSERT_WITH_OUTCOME, arguments(status, outcome.name()));
  }

  /** Each status with its outcome, in one round trip. */
  void recordAll(List<ProviderStatus> statuses, List<ProviderStatus.Outcome> outcomes) {
    List<Object[]> rows = new ArrayList<>(statuses.size());
    for (int i = 0; i < statuses.size(); i++) {
      rows.add(arguments(statuses.get(i), outcomes.get(i).name()));
    }
    jdbc.batchUpdate(INSERT_WITH_OUTCOME, rows);
  }

  private static Object[] arguments(ProviderStatus status, Object... outcomeArguments) {
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
    return arguments.toArray();
  }
}
