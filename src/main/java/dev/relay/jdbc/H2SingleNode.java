package dev.relay.jdbc;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
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

/**
 * H2 is for one node: its engine and Relay's row locks are not made for several processes sharing
 * a file through H2's server modes. Each node on H2 says every few seconds that it is alive; a
 * node that starts while another one is alive on the same database warns that it should be
 * PostgreSQL, and so does the other one on its next beat. Nothing is written on PostgreSQL.
 */
@Component
public class H2SingleNode implements DisposableBean {

  static final Duration BEAT = Duration.ofSeconds(5);
  /** A node not seen for this long is gone (killed, or stopped without removing its row). */
  static final Duration GONE = BEAT.multipliedBy(3);
  private static final Logger log = LoggerFactory.getLogger(H2SingleNode.class);

  private final JdbcTemplate jdbc;
  private final boolean h2;
  private final Clock clock;
  private final String nodeId = UUID.randomUUID().toString();
  private final String host = host();
  private ScheduledExecutorService beats;

  @Autowired
  public H2SingleNode(JdbcTemplate jdbc, UpdateReturning database) {
    this(jdbc, !database.isPostgres(), Clock.systemUTC());
  }

  H2SingleNode(JdbcTemplate jdbc, boolean h2, Clock clock) {
    this.jdbc = jdbc;
    this.h2 = h2;
    this.clock = clock;
  }

  @EventListener(ApplicationReadyEvent.class)
  void start() {
    if (!h2) {
      return;
    }
    beat();
    beats = Executors.newSingleThreadScheduledExecutor(task -> {
      Thread thread = new Thread(task, "relay-h2-single-node");
      thread.setDaemon(true);
      return thread;
    });
    beats.scheduleWithFixedDelay(this::beat, BEAT.toMillis(), BEAT.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Says this node is alive; warns when another one is, and returns their hosts. */
  List<String> beat() {
    try {
      var now = Timestamps.utc(clock.instant());
      if (jdbc.update("update relay_node set seen_at = ? where node_id = ?", now, nodeId) == 0) {
        jdbc.update("insert into relay_node (node_id, host, seen_at) values (?, ?, ?)", nodeId, host, now);
      }
      List<String> others = jdbc.queryForList(
          "select host from relay_node where node_id <> ? and seen_at > ?", String.class, nodeId,
          Timestamps.utc(clock.instant().minus(GONE)));
      if (!others.isEmpty()) {
        log.warn("Another Relay node ({}) uses this H2 database: H2 is for one node. Several nodes"
            + " must share a PostgreSQL database (see docs/operations.md, Several nodes)", others);
      }
      return others;
    } catch (RuntimeException e) { // a beat missed is no reason to stop the node
      log.debug("H2 node beat failed: {}", e.toString());
      return List.of();
    }
  }

  @Override
  public void destroy() {
    if (beats == null) {
      return;
    }
    beats.shutdownNow();
    try {
      jdbc.update("delete from relay_node where node_id = ?", nodeId);
    } catch (RuntimeException e) {
      log.debug("H2 node row not removed: {}", e.toString());
    }
  }

  private static String host() {
    try {
      return InetAddress.getLocalHost().getHostName() + " pid " + ProcessHandle.current().pid();
    } catch (UnknownHostException e) {
      return "pid " + ProcessHandle.current().pid();
    }
  }
}
