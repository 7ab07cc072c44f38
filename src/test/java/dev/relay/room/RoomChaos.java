package dev.relay.room;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.relay.delivery.MessageResendProcess;
import dev.relay.support.RelayApi;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.camunda.bpm.engine.RuntimeService;
import org.camunda.bpm.engine.runtime.ProcessInstance;
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
  private ScheduledExecutorService watch;

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
   * alternate between them. Every answer must be 202, and each room's sequences exactly 1..n.
   */
  void sendAll(List<RelayApi> nodes, int threads) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> answers = new ArrayList<>();
      for (int k = 1; k <= perRoom; k++) {
        for (int r = 0; r < rooms; r++) {
          String roomId = room(r);
          String messageId = roomId + "-m" + k;
          int node = (r + k) % nodes.size();
          answers.add(pool.submit(() -> accept(nodes, node, roomId, messageId)));
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
   * Posts to the room's node; one that does not answer at all (killed) is skipped for the next,
   * as a load balancer does.
   */
  private void accept(List<RelayApi> nodes, int first, String roomId, String messageId) {
    Map<String, Object> request = RelayApi.newMessage(messageId, roomId, "text of " + messageId, null);
    request.put("channel", CHANNEL);
    request.put("to", roomId);
    ResponseEntity<JsonNode> answer = null;
    boolean failedOver = false;
    for (int i = 0; answer == null; i++) {
      RelayApi node = nodes.get((first + i) % nodes.size());
      try {
        answer = node.send(request);
      } catch (ResourceAccessException unreachable) {
        if (i == nodes.size() - 1) {
          throw unreachable;
        }
        failedOver = true;
      }
    }
    // the killed node may have stored it before its answer was lost: then it is a repeat
    assertThat(answer.getStatusCode()).as("intake of %s", messageId)
        .isIn(failedOver ? List.of(HttpStatus.ACCEPTED, HttpStatus.OK) : List.of(HttpStatus.ACCEPTED));
    sequences.put(messageId, answer.getBody().get("sequence").asLong());
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

  /**
   * Waits until every accepted message is accounted for, checks the order the provider saw and the
   * rooms, logs the figures, then waits for the resends to deliver the rest.
   */
  void verify(RelayApi api, SimulatorClient simulator, JdbcTemplate jdbc, RuntimeService runtime) {
    try {
      await("every message dispatched once")
          .atMost(Duration.ofSeconds(90))
          .pollInterval(Duration.ofMillis(500))
          .until(() -> statuses(jdbc).values().stream().noneMatch("QUEUED"::equals));
      await("every message delivered or in its MessageResendProcess")
          .atMost(Duration.ofSeconds(90))
          .pollInterval(Duration.ofMillis(500))
          .untilAsserted(() -> assertThat(unaccountedFor(jdbc, runtime)).isEmpty());
    } finally {
      if (watch != null) {
        watch.shutdownNow();
      }
    }
    long delivered = statuses(jdbc).values().stream().filter(RoomChaos::isDelivered).count();
    List<String> violations = orderViolations(simulator);
    List<String> roomProblems = roomProblems(api, runtime);
    long gateTimeouts =
        jdbc.queryForObject(
            "select count(*) from relay_message_event where event = 'ACK_GATE_TIMEOUT' and message_id like ?",
            Long.class,
            runId + "-%");
    long droppedAcks = simulator.droppedAcks();
    log.info(
        "Room chaos {}: rooms={} messages={} delivered={} inResendProcess={} droppedAcks={}"
            + " ackGateTimeouts={} orderViolations={} roomProblems={} waitingWithoutInstance={}"
            + " roomsWithSeveralInstances={}",
        runId, rooms, sequences.size(), delivered, sequences.size() - delivered, droppedAcks,
        gateTimeouts, violations.size(), roomProblems.size(), waitingWithoutInstance.size(),
        severalInstances.size());

    assertThat(sequences).hasSize(rooms * perRoom);
    assertThat(droppedAcks).as("ACKs the simulator dropped").isPositive();
    assertThat(gateTimeouts).as("messages that left their room at the ACK gate").isPositive();
    assertThat(violations).as("rooms whose first attempts the provider got out of order").isEmpty();
    assertThat(waitingWithoutInstance)
        .as("messages seen waiting in a room without a live instance")
        .isEmpty();
    assertThat(severalInstances).as("rooms seen with more than one live instance").isEmpty();
    assertThat(failedChecks).as("checks that failed").isEmpty();
    assertThat(checks.get()).as("checks of the rooms while the messages went").isPositive();
    assertThat(roomProblems)
        .as("rooms with messages still waiting, or whose turn holder is not their instance's message")
        .isEmpty();
    assertThat(runtime.createIncidentQuery().count()).as("incidents").isZero();

    await("the resends deliver the rest")
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(500))
        .until(() -> statuses(jdbc).values().stream().allMatch(RoomChaos::isDelivered));
    for (int r = 0; r < rooms; r++) {
      JsonNode view = api.room(room(r)).getBody();
      assertThat(view.get("turnHolder").isNull()).as("turn holder of %s", room(r)).isTrue();
      assertThat(view.get("waiting").asLong()).as("waiting in %s", room(r)).isZero();
      assertThat(view.get("delivered").asLong()).as("delivered in %s", room(r)).isEqualTo(perRoom);
    }
    assertThat(runningResendInstances(runtime)).as("resend instances still running").isEmpty();
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
  private List<String> unaccountedFor(JdbcTemplate jdbc, RuntimeService runtime) {
    Map<String, String> statuses = statuses(jdbc);
    Set<String> inResendProcess = runningResendInstances(runtime);
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
  private Set<String> runningResendInstances(RuntimeService runtime) {
    return runtime.createProcessInstanceQuery()
        .processDefinitionKey(MessageResendProcess.KEY)
        .processInstanceBusinessKeyLike(runId + "-%")
        .list()
        .stream()
        .map(ProcessInstance::getBusinessKey)
        .collect(Collectors.toSet());
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
   * Rooms with messages still waiting, whose last sequence is not the number of messages sent, or
   * whose view names a turn holder other than the message their live instance works on.
   */
  private List<String> roomProblems(RelayApi api, RuntimeService runtime) {
    List<String> problems = new ArrayList<>();
    for (int r = 0; r < rooms; r++) {
      JsonNode view = api.room(room(r)).getBody();
      String holder = view.get("turnHolder").isNull() ? null : view.get("turnHolder").asText();
      List<ProcessInstance> instances =
          runtime.createProcessInstanceQuery()
              .processDefinitionKey(RoomDeliveryProcess.KEY)
              .processInstanceBusinessKey(room(r))
              .list();
      String working =
          instances.size() == 1
              ? (String) runtime.getVariable(instances.get(0).getId(), RoomDeliveryProcess.VAR_MESSAGE_ID)
              : null;
      if (view.get("waiting").asLong() != 0
          || view.get("lastSequence").asLong() != perRoom
          || instances.size() > 1
          || (holder != null && !holder.equals(working))) {
        problems.add(room(r) + " " + view + " instances=" + instances.size() + " working on " + working);
      }
    }
    return problems;
  }
}
