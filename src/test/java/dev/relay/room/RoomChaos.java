package dev.relay.room;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.relay.delivery.MessageResendProcess;
import dev.relay.support.Poll;
import dev.relay.support.RelayApi;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.LongStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.client.ResourceAccessException;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Many rooms' messages through the bundled provider simulator with its faults switched on (random
 * callback latency, dropped, duplicated, reordered and early ACKs), and the checks of the
 * ordering promise: per room, the provider got the first attempts in sequence order; at every
 * moment, every room with waiting messages has a live RoomDeliveryProcess instance; every accepted
 * message ends up delivered or in its MessageResendProcess, and the resends deliver the rest. The
 * recipient of each message is its room, so the simulator's inbox per recipient is the order the
 * provider saw per room. On PostgreSQL only (the invariant is checked in single statements, each
 * of which sees one snapshot of the application's and the engine's tables).
 */
final class RoomChaos {

  static final String CHANNEL = "whatsapp";
  static final String WEBHOOK_SECRET = "room-chaos-secret";
  static final Duration ACK_GATE_TIMEOUT = Duration.ofMillis(500);
  /** 15 % of the provider's acceptances never get a callback, resends included. */
  static final double DROP_RATE = 0.15;

  private static final Logger log = LoggerFactory.getLogger(RoomChaos.class);

  private final String runId;
  private final int rooms;
  private final int perRoom;
  /** messageId → the sequence its intake answer gave. */
  private final Map<String, Long> sequences = new ConcurrentHashMap<>();
  /** Messages seen waiting in a room without a live instance: must stay empty. */
  private final Set<String> waitingWithoutInstance = ConcurrentHashMap.newKeySet();
  /** Rooms seen with more than one live instance: must stay empty. */
  private final Set<String> severalInstances = ConcurrentHashMap.newKeySet();
  private final Set<String> failedChecks = ConcurrentHashMap.newKeySet();
  private final AtomicInteger checks = new AtomicInteger();
  private final AtomicInteger refused = new AtomicInteger();
  private final Map<String, Object> notes = new ConcurrentHashMap<>();
  private ScheduledExecutorService watch;
  private Duration takeover;

  RoomChaos(String runId, int rooms, int perRoom) {
    this.runId = runId;
    this.rooms = rooms;
    this.perRoom = perRoom;
  }

  /** Relay's channel, served by the simulator at {@code providerPort}, and short timings. */
  static Map<String, Object> relayProperties(int providerPort) {
    Map<String, Object> p = new LinkedHashMap<>();
    String channel = "relay.channels." + CHANNEL + ".";
    p.put(channel + "base-url", "http://localhost:" + providerPort + "/simulator/" + CHANNEL);
    p.put(channel + "api-token", "room-chaos-token");
    p.put(channel + "webhook-secret", WEBHOOK_SECRET);
    p.put(channel + "ack-gate-timeout", ACK_GATE_TIMEOUT.toString());
    p.put(channel + "resend-delays", "1s,2s");
    p.put(channel + "max-attempts", 20); // 0.15^20: no message runs out of attempts
    return p;
  }

  /** The simulator on this node, with its faults; callbacks go to {@code callbackUrl}. */
  static Map<String, Object> simulatorProperties(String callbackUrl) {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("relay.simulator.enabled", true);
    p.put("relay.simulator.callback-url", callbackUrl);
    p.put("relay.simulator.webhook-secret", WEBHOOK_SECRET);
    p.put("relay.simulator.callback-delay", "20ms");
    p.put("relay.simulator.callback-jitter", "200ms");
    p.put("relay.simulator.drop-rate", DROP_RATE);
    p.put("relay.simulator.duplicate-rate", 0.2);
    p.put("relay.simulator.reorder-rate", 0.2);
    p.put("relay.simulator.early-rate", 0.1);
    // statuses of several messages share requests, as a busy provider sends them
    p.put("relay.simulator.callback-batch-window", "30ms");
    return p;
  }

  /** A port nobody listens on now, for a node whose provider URL must name its own port. */
  static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  String room(int room) {
    return runId + "-r" + room;
  }

  /**
   * Posts every message from a pool of threads, in rounds (every room's first message, then every
   * room's second, …), so that all rooms are busy at once; with several nodes, a room's messages
   * alternate between them. Every message must be accepted, and each room's sequences be exactly
   * 1..n.
   */
  void sendAll(List<RelayApi> nodes, int threads) throws Exception {
    sendAll(nodes, threads, 0);
  }

  /**
   * As {@link #sendAll(List, int)}, with the messages' starts spread at {@code perSecond} (0: all
   * at once), so that a fault injected meanwhile meets intake as well as deliveries.
   */
  void sendAll(List<RelayApi> nodes, int threads, int perSecond) throws Exception {
    ScheduledExecutorService pool = Executors.newScheduledThreadPool(threads);
    try {
      List<Future<?>> answers = new ArrayList<>();
      int n = 0;
      for (int k = 1; k <= perRoom; k++) {
        for (int r = 0; r < rooms; r++) {
          String roomId = room(r);
          String messageId = roomId + "-m" + k;
          int node = (r + k) % nodes.size();
          long due = perSecond == 0 ? 0 : n++ * 1000L / perSecond;
          answers.add(pool.schedule(
              () -> accept(nodes, node, roomId, messageId), due, TimeUnit.MILLISECONDS));
        }
      }
      for (Future<?> answer : answers) {
        answer.get();
      }
    } finally {
      pool.shutdownNow();
    }
    for (int r = 0; r < rooms; r++) {
      assertThat(sequencesOf(room(r))).as("sequences of room %s", room(r))
          .containsExactlyElementsOf(LongStream.rangeClosed(1, perRoom).boxed().toList());
    }
  }

  /**
   * Posts to the room's node as a client behind a load balancer does: a node that does not answer
   * at all (killed) is skipped for the next; a 503 (database down) is tried again a little later.
   */
  private void accept(List<RelayApi> nodes, int first, String roomId, String messageId) {
    Map<String, Object> request = RelayApi.newMessage(messageId, roomId, "text of " + messageId, null);
    request.put("channel", CHANNEL);
    request.put("to", roomId);
    AtomicReference<ResponseEntity<JsonNode>> answer = new AtomicReference<>();
    AtomicBoolean triedBefore = new AtomicBoolean();
    AtomicInteger next = new AtomicInteger(first);
    await("intake of " + messageId)
        .atMost(Duration.ofSeconds(90))
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(250))
        .until(() -> {
          for (int i = 0; i < nodes.size(); i++) {
            try {
              ResponseEntity<JsonNode> got = nodes.get(next.get() % nodes.size()).send(request);
              if (got.getStatusCode() == HttpStatus.SERVICE_UNAVAILABLE) {
                refused.incrementAndGet();
                triedBefore.set(true);
                return false;
              }
              answer.set(got);
              return true;
            } catch (ResourceAccessException unreachable) {
              triedBefore.set(true);
              next.incrementAndGet();
            }
          }
          return false;
        });
    // a node may have stored it before its answer was lost: then it is a repeat
    assertThat(answer.get().getStatusCode()).as("intake of %s", messageId)
        .isIn(triedBefore.get() ? List.of(HttpStatus.ACCEPTED, HttpStatus.OK) : List.of(HttpStatus.ACCEPTED));
    sequences.put(messageId, answer.get().getBody().get("sequence").asLong());
  }

  /** Intake requests answered 503 so far (each was tried again). */
  int refused() {
    return refused.get();
  }

  /** Messages answered 202 so far. */
  int accepted() {
    return sequences.size();
  }

  private List<Long> sequencesOf(String roomId) {
    return sequences.entrySet().stream()
        .filter(e -> e.getKey().startsWith(roomId + "-m"))
        .map(Map.Entry::getValue)
        .sorted()
        .toList();
  }

  /**
   * From now until {@link #verify}, checks every 50 ms that no room of this run has a waiting
   * message without a live instance, nor more than one live instance.
   */
  void watch(JdbcTemplate jdbc) {
    watch = Executors.newSingleThreadScheduledExecutor();
    watch.scheduleWithFixedDelay(
        () -> {
          try {
            waitingWithoutInstance.addAll(waitingWithoutInstance(jdbc, runId + "-"));
            severalInstances.addAll(roomsWithSeveralInstances(jdbc, runId + "-"));
            checks.incrementAndGet();
          } catch (RuntimeException e) {
            failedChecks.add(e.toString()); // a watch that stopped would see nothing
          }
        },
        0, 50, TimeUnit.MILLISECONDS);
  }

  /**
   * WAITING messages (with ids starting with the prefix) whose room has no running
   * RoomDeliveryProcess instance: nobody will ever take them. One statement, so on PostgreSQL it
   * reads the messages and the engine's executions at one moment.
   */
  static List<String> waitingWithoutInstance(JdbcTemplate jdbc, String messageIdPrefix) {
    return jdbc.queryForList(
        "select m.message_id from relay_message m where m.message_id like ? and m.turn_state = 'WAITING'"
            + " and not exists (select 1 from act_ru_execution e where e.business_key_ = m.room_id"
            + " and e.id_ = e.proc_inst_id_ and e.proc_def_id_ like ?)",
        String.class,
        messageIdPrefix + "%",
        RoomDeliveryProcess.KEY + ":%");
  }

  /** Rooms (with ids starting with the prefix) that have more than one running instance. */
  static List<String> roomsWithSeveralInstances(JdbcTemplate jdbc, String roomIdPrefix) {
    return jdbc.queryForList(
        "select business_key_ from act_ru_execution where business_key_ like ? and id_ = proc_inst_id_"
            + " and proc_def_id_ like ? group by business_key_ having count(*) > 1",
        String.class,
        roomIdPrefix + "%",
        RoomDeliveryProcess.KEY + ":%");
  }

  /** Whether every accepted message is delivered: then the provider gets no more calls for them. */
  boolean allDelivered(JdbcTemplate jdbc) {
    Map<String, String> statuses = statuses(jdbc);
    return sequences.keySet().stream().allMatch(id -> statuses.containsKey(id) && isDelivered(statuses.get(id)));
  }

  /** What a fault-injection scenario measured besides the run: the node takeover time. */
  void tookOver(Duration takeover) {
    this.takeover = takeover;
  }

  /** A figure of the scenario's own, printed after the common ones in the summary table. */
  void note(String name, Object value) {
    notes.put(name, value);
  }

  /**
   * Waits until every accepted message is accounted for (delivered, or dispatched with its
   * MessageResendProcess running), checks the order the provider saw, the rooms and the
   * Idempotency-Keys, waits for the resends to deliver the rest, then prints the summary table and
   * asserts. Through the API, the simulator's inbox and the tables, so the nodes may be anywhere.
   */
  Summary verify(String scenario, RelayApi api, SimulatorClient simulator, JdbcTemplate jdbc) {
    List<String> timedOut = new ArrayList<>();
    try {
      awaitOrNote(timedOut, "every message dispatched once", Duration.ofSeconds(90),
          () -> statuses(jdbc).values().stream().noneMatch("QUEUED"::equals));
      awaitOrNote(timedOut, "every message delivered or in its MessageResendProcess",
          Duration.ofSeconds(90), () -> unaccountedFor(jdbc).isEmpty());
    } finally {
      if (watch != null) {
        watch.shutdownNow();
      }
    }
    List<String> violations = orderViolations(simulator);
    List<String> roomProblems = roomProblems(api, jdbc);
    List<String> sharedKeys = keysUnderSeveralMessages(simulator);
    long gateTimeouts =
        jdbc.queryForObject(
            "select count(*) from relay_message_event where event = 'ACK_GATE_TIMEOUT' and message_id like ?",
            Long.class,
            runId + "-%");
    long droppedAcks = simulator.droppedAcks();
    // a resend instance the ACK did not find waiting ends at its next step, a moment later
    awaitOrNote(timedOut, "the resends deliver the rest and end", Duration.ofSeconds(60),
        () -> allDelivered(jdbc) && runningResendInstances(jdbc).isEmpty());

    Map<String, Object> stored = jdbc.queryForMap(
        "select count(case when status in ('DELIVERED', 'READ') then 1 end) as delivered,"
            + " count(case when attempts > 1 then 1 end) as resent,"
            + " count(case when status = 'UNCONFIRMED' then 1 end) as unconfirmed"
            + " from relay_message where message_id like ?",
        runId + "-%");
    Summary summary = new Summary(scenario, rooms * perRoom, sequences.size(),
        ((Number) stored.get("delivered")).intValue(), ((Number) stored.get("resent")).intValue(),
        ((Number) stored.get("unconfirmed")).intValue(), unaccountedFor(jdbc).size(),
        violations.size(), waitingWithoutInstance.size() + severalInstances.size() + roomProblems.size(),
        takeover, Map.copyOf(notes));
    log.info("{}", summary.table());

    assertThat(timedOut).as("waits that timed out").isEmpty();
    assertThat(sequences).hasSize(rooms * perRoom);
    assertThat(droppedAcks).as("ACKs the simulator dropped").isPositive();
    assertThat(gateTimeouts).as("messages that left their room at the ACK gate").isPositive();
    assertThat(violations).as("rooms whose first attempts the provider got out of order").isEmpty();
    assertThat(sharedKeys).as("Idempotency-Keys under several messages, or messages under several").isEmpty();
    assertThat(waitingWithoutInstance)
        .as("messages seen waiting in a room without a live instance")
        .isEmpty();
    assertThat(severalInstances).as("rooms seen with more than one live instance").isEmpty();
    assertThat(failedChecks).as("checks that failed").isEmpty();
    assertThat(checks.get()).as("checks of the rooms while the messages went").isPositive();
    assertThat(roomProblems)
        .as("rooms with messages still waiting, or whose turn holder is not their instance's message")
        .isEmpty();
    assertThat(jdbc.queryForObject("select count(*) from act_ru_incident", Long.class))
        .as("incidents").isZero();
    for (int r = 0; r < rooms; r++) {
      JsonNode view = api.room(room(r)).getBody();
      assertThat(view.get("turnHolder").isNull()).as("turn holder of %s", room(r)).isTrue();
      assertThat(view.get("waiting").asLong()).as("waiting in %s", room(r)).isZero();
      assertThat(view.get("delivered").asLong()).as("delivered in %s", room(r)).isEqualTo(perRoom);
    }
    assertThat(runningResendInstances(jdbc)).as("resend instances still running").isEmpty();
    assertThat(summary.lost()).as("lost").isZero();
    return summary;
  }

  /**
   * One fault scenario's figures. Resent: messages sent to the provider more than once; lost:
   * accepted, yet neither delivered nor on their resend path; reordered: rooms whose first attempts
   * the provider got out of sequence order; stuck: rooms seen waiting without a live instance or
   * with several, or left with waiting messages.
   */
  record Summary(String scenario, int sent, int accepted, int delivered, int resent,
      int unconfirmed, int lost, int reordered, int stuck, Duration takeover,
      Map<String, Object> notes) {

    String table() {
      StringBuilder head = new StringBuilder(
          "| scenario | sent | accepted | delivered | resent | unconfirmed | lost | reordered | stuck | takeover |");
      StringBuilder row = new StringBuilder("| %s | %d | %d | %d | %d | %d | %d | %d | %d | %s |".formatted(
          scenario, sent, accepted, delivered, resent, unconfirmed, lost, reordered, stuck,
          takeover == null ? "-" : takeover.toMillis() + " ms"));
      new TreeMap<>(notes).forEach((name, value) -> {
        head.append(' ').append(name).append(" |");
        row.append(' ').append(value).append(" |");
      });
      return System.lineSeparator() + head + System.lineSeparator() + row;
    }
  }

  private static void awaitOrNote(List<String> timedOut, String what, Duration atMost,
      Callable<Boolean> condition) {
    if (!Poll.until(atMost, Duration.ofMillis(500), condition)) {
      timedOut.add(what);
    }
  }

  /** messageId → status, as stored. */
  private Map<String, String> statuses(JdbcTemplate jdbc) {
    Map<String, String> statuses = new LinkedHashMap<>();
    jdbc.query(
        "select message_id, status from relay_message where message_id like ?",
        rs -> {
          statuses.put(rs.getString(1), rs.getString(2));
        },
        runId + "-%");
    return statuses;
  }

  private static boolean isDelivered(String status) {
    return status.equals("DELIVERED") || status.equals("READ");
  }

  /**
   * Accepted messages that are neither delivered nor dispatched with a running MessageResendProcess
   * of their own: lost, not yet dispatched, or still in their room.
   */
  private List<String> unaccountedFor(JdbcTemplate jdbc) {
    Map<String, String> statuses = statuses(jdbc);
    Set<String> inResendProcess = runningResendInstances(jdbc);
    return sequences.keySet().stream()
        .filter(id -> {
          String status = statuses.get(id);
          return status == null
              || !(isDelivered(status)
                  || (status.equals("DISPATCHED") && inResendProcess.contains(id)));
        })
        .map(id -> id + " " + statuses.get(id))
        .sorted()
        .toList();
  }

  /** The messages of this run whose MessageResendProcess is running. */
  private Set<String> runningResendInstances(JdbcTemplate jdbc) {
    return Set.copyOf(jdbc.queryForList(
        "select business_key_ from act_ru_execution where business_key_ like ? and id_ = proc_inst_id_"
            + " and proc_def_id_ like ?",
        String.class,
        runId + "-%",
        MessageResendProcess.KEY + ":%"));
  }

  /** Rooms whose first attempts reached the provider other than once each, in sequence order. */
  private List<String> orderViolations(SimulatorClient simulator) {
    List<Long> expected = LongStream.rangeClosed(1, perRoom).boxed().toList();
    List<String> violations = new ArrayList<>();
    for (int r = 0; r < rooms; r++) {
      List<Long> firstAttempts =
          simulator.inbox(room(r)).stream()
              .filter(received -> received.attempt() == 1)
              .map(received -> sequences.get(received.reference()))
              .toList();
      if (!firstAttempts.equals(expected)) {
        violations.add(room(r) + " got " + firstAttempts);
      }
    }
    return violations;
  }

  /**
   * Idempotency-Keys the provider got under more than one message, and messages it got under more
   * than one key: either would be a duplicate a real provider could not recognise.
   */
  private List<String> keysUnderSeveralMessages(SimulatorClient simulator) {
    Map<String, Set<String>> messagesByKey = new HashMap<>();
    Map<String, Set<String>> keysByMessage = new HashMap<>();
    for (int r = 0; r < rooms; r++) {
      for (SimulatorClient.Received received : simulator.inbox(room(r))) {
        messagesByKey.computeIfAbsent(received.idempotencyKey(), k -> new TreeSet<>()).add(received.reference());
        keysByMessage.computeIfAbsent(received.reference(), k -> new TreeSet<>()).add(received.idempotencyKey());
      }
    }
    List<String> shared = new ArrayList<>();
    messagesByKey.forEach((key, messages) -> {
      if (messages.size() > 1) {
        shared.add("key " + key + " under " + messages);
      }
    });
    keysByMessage.forEach((message, keys) -> {
      if (keys.size() > 1) {
        shared.add("message " + message + " under " + keys);
      }
    });
    return shared;
  }

  /**
   * Rooms with messages still waiting, whose last sequence is not the number of messages sent, or
   * whose view names a turn holder other than the message their live instance works on.
   */
  private List<String> roomProblems(RelayApi api, JdbcTemplate jdbc) {
    List<String> problems = new ArrayList<>();
    for (int r = 0; r < rooms; r++) {
      JsonNode view = api.room(room(r)).getBody();
      String holder = view.get("turnHolder").isNull() ? null : view.get("turnHolder").asText();
      List<String> working = jdbc.queryForList(
          "select (select max(v.text_) from act_ru_variable v where v.proc_inst_id_ = e.id_ and v.name_ = ?)"
              + " from act_ru_execution e where e.business_key_ = ? and e.id_ = e.proc_inst_id_"
              + " and e.proc_def_id_ like ?",
          String.class,
          RoomDeliveryProcess.VAR_MESSAGE_ID,
          room(r),
          RoomDeliveryProcess.KEY + ":%");
      String workingOn = working.size() == 1 ? working.get(0) : null;
      if (view.get("waiting").asLong() != 0
          || view.get("lastSequence").asLong() != perRoom
          || working.size() > 1
          || (holder != null && !holder.equals(workingOn))) {
        problems.add(room(r) + " " + view + " instances=" + working.size() + " working on " + workingOn);
      }
    }
    return problems;
  }
}
