package dev.relay.delivery;

import static dev.relay.jdbc.Timestamps.utc;

import java.time.Clock;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Deletes finished messages older than the retention period, with their timelines, and the
 * provider's reports as old, in small batches of their own transactions, so that Relay's tables do
 * not grow without end and no long transaction holds locks. Messages still on their way (queued,
 * dispatched) stay whatever their age. Every node runs it: two nodes on the same batch simply find
 * fewer rows. Rooms stay: their row keeps the next sequence.
 */
@Component
class MessageRetention implements DisposableBean {

  static final int BATCH = 500;
  private static final Logger log = LoggerFactory.getLogger(MessageRetention.class);
  private static final String FINISHED = "('DELIVERED', 'READ', 'UNCONFIRMED', 'FAILED')";

  private final JdbcTemplate jdbc;
  private final TransactionTemplate transaction;
  private final RelayRetentionProperties retention;
  private final Clock clock;
  private ScheduledExecutorService schedule;

  @Autowired
  MessageRetention(JdbcTemplate jdbc, PlatformTransactionManager transactions,
      RelayRetentionProperties retention) {
    this(jdbc, transactions, retention, Clock.systemUTC());
  }

  MessageRetention(JdbcTemplate jdbc, PlatformTransactionManager transactions,
      RelayRetentionProperties retention, Clock clock) {
    this.jdbc = jdbc;
    this.transaction = new TransactionTemplate(transactions);
    this.retention = retention;
    this.clock = clock;
  }

  @EventListener(ApplicationReadyEvent.class)
  void start() {
    schedule = Executors.newSingleThreadScheduledExecutor(task -> {
      Thread thread = new Thread(task, "relay-retention");
      thread.setDaemon(true);
      return thread;
    });
    long every = retention.every().toMillis();
    schedule.scheduleWithFixedDelay(this::purgeQuietly, every, every, TimeUnit.MILLISECONDS);
  }

  private void purgeQuietly() {
    try {
      purge();
    } catch (RuntimeException e) { // the next round tries again
      log.warn("Retention round failed: {}", e.toString());
    }
  }

  /** Deletes what has expired by now; returns the number of messages deleted. */
  int purge() {
    Instant cutoff = clock.instant().minus(retention.messages());
    int messages = 0;
    for (List<String> ids = expiredMessages(cutoff); !ids.isEmpty(); ids = expiredMessages(cutoff)) {
      String in = String.join(", ", Collections.nCopies(ids.size(), "?"));
      Object[] args = ids.toArray();
      messages += transaction.execute(tx -> {
        jdbc.update("delete from relay_message_event where message_id in (" + in + ")", args);
        return jdbc.update("delete from relay_message where message_id in (" + in + ")", args);
      });
    }
    int reports = 0;
    for (int deleted = -1; deleted != 0; reports += deleted) {
      deleted = jdbc.update(
          "delete from relay_provider_status where id in (select id from relay_provider_status"
              + " where received_at < ? order by received_at fetch first " + BATCH + " rows only)",
          utc(cutoff));
    }
    if (messages + reports > 0) {
      log.info("Retention: deleted {} messages and {} provider reports accepted before {}",
          messages, reports, cutoff);
    }
    return messages;
  }

  private List<String> expiredMessages(Instant cutoff) {
    return jdbc.queryForList(
        "select message_id from relay_message where accepted_at < ? and status in " + FINISHED
            + " order by accepted_at fetch first " + BATCH + " rows only",
        String.class, utc(cutoff));
  }

  @Override
  public void destroy() {
    if (schedule != null) {
      schedule.shutdownNow();
    }
  }
}
