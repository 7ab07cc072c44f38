package dev.relay.room;

import static dev.relay.delivery.MessageDeliveryProcess.KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
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
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.camunda.bpm.engine.RuntimeService;
import org.camunda.bpm.engine.runtime.Execution;
import org.camunda.bpm.engine.runtime.ProcessInstance;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Many rooms' messages through the bundled provider simulator with its faults switched on (random
 * callback latency, dropped, duplicated, reordered and early ACKs), and the checks of the
 * ordering promise: per room, the provider got the first attempts in sequence order; every
 * accepted message is delivered or still in its resend schedule; no turn is held by a delivery
 * that is gone. The recipient of each message is its room, so the simulator's inbox per recipient
 * is the order the provider saw per room.
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
  private Duration intake = Duration.ZERO;

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
    // the order must hold by itself: the safety net does not run during the test
    p.put("relay.rooms.repair-interval", "PT1H");
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
    long start = System.nanoTime();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> answers = new ArrayList<>();
      for (int k = 1; k <= perRoom; k++) {
        for (int r = 0; r < rooms; r++) {
          String roomId = room(r);
          String messageId = roomId + "-m" + k;
          RelayApi node = nodes.get((r + k) % nodes.size());
          answers.add(pool.submit(() -> accept(node, roomId, messageId)));
        }
      }
      for (Future<?> answer : answers) {
        answer.get();
      }
    } finally {
      pool.shutdownNow();
    }
    intake = Duration.ofNanos(System.nanoTime() - start);
    for (int r = 0; r < rooms; r++) {
      assertThat(sequencesOf(room(r))).as("sequences of room %s", room(r))
          .containsExactlyElementsOf(LongStream.rangeClosed(1, perRoom).boxed().toList());
    }
  }

  private void accept(RelayApi node, String roomId, String messageId) {
    Map<String, Object> request = RelayApi.newMessage(messageId, roomId, "text of " + messageId, null);
    request.put("channel", CHANNEL);
    request.put("to", roomId);
    ResponseEntity<JsonNode> answer = node.send(request);
    assertThat(answer.getStatusCode()).as("intake of %s", messageId).isEqualTo(HttpStatus.ACCEPTED);
    sequences.put(messageId, answer.getBody().get("sequence").asLong());
  }

  private List<Long> sequencesOf(String roomId) {
    return sequences.entrySet().stream()
        .filter(e -> e.getKey().startsWith(roomId + "-m"))
        .map(Map.Entry::getValue)
        .sorted()
        .toList();
  }

  /**
   * Waits until every accepted message is accounted for, checks the order the provider saw and the
   * rooms' turns, logs the figures, then waits for the resends to deliver the rest.
   */
  void verify(RelayApi api, SimulatorClient simulator, JdbcTemplate jdbc, RuntimeService runtime) {
    long start = System.nanoTime();
    await("every message dispatched once")
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(500))
        .until(() -> statuses(jdbc).values().stream().noneMatch("QUEUED"::equals));
    Duration allDispatched = Duration.ofNanos(System.nanoTime() - start);
    await("every message delivered or in its resend schedule")
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(500))
        .untilAsserted(() -> assertThat(unaccountedFor(jdbc, runtime)).isEmpty());
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
        "Room chaos {}: rooms={} messages={} delivered={} inResendSchedule={} droppedAcks={}"
            + " ackGateTimeouts={} orderViolations={} roomProblems={} (intake {} ms, all dispatched"
            + " {} ms later)",
        runId, rooms, sequences.size(), delivered, sequences.size() - delivered, droppedAcks,
        gateTimeouts, violations.size(), roomProblems.size(), intake.toMillis(),
        allDispatched.toMillis());

    assertThat(sequences).hasSize(rooms * perRoom);
    assertThat(droppedAcks).as("ACKs the simulator dropped").isPositive();
    assertThat(violations).as("rooms whose first attempts the provider got out of order").isEmpty();
    assertThat(roomProblems)
        .as("rooms still waiting, or whose turn is held by a delivery that is gone")
        .isEmpty();
    assertThat(runtime.createIncidentQuery().count()).as("incidents").isZero();

    await("the resends deliver the rest")
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(500))
        .until(() -> statuses(jdbc).values().stream().allMatch(RoomChaos::isDelivered));
    for (int r = 0; r < rooms; r++) {
      JsonNode view = api.room(room(r)).getBody();
      assertThat(view.get("turnHolder").isNull()).as("turn holder of %s", room(r)).isTrue();
      assertThat(view.get("delivered").asLong()).as("delivered in %s", room(r)).isEqualTo(perRoom);
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
   * Accepted messages that are neither delivered nor dispatched with a delivery waiting for its
   * next attempt (the resend timer or the dispatch job): lost, or not yet dispatched once.
   */
  private List<String> unaccountedFor(JdbcTemplate jdbc, RuntimeService runtime) {
    Map<String, String> statuses = statuses(jdbc);
    Set<String> inResendSchedule = inResendSchedule(runtime);
    return sequences.keySet().stream()
        .filter(id -> {
          String status = statuses.get(id);
          return status == null
              || !(isDelivered(status)
                  || (status.equals("DISPATCHED") && inResendSchedule.contains(id)));
        })
        .map(id -> id + " " + statuses.get(id))
        .sorted()
        .toList();
  }

  /**
   * The messages whose delivery waits for its next attempt: at the resend timer, or at the dispatch
   * job (queued or being retried).
   */
  private static Set<String> inResendSchedule(RuntimeService runtime) {
    Set<String> instanceIds =
        Stream.of("Timer_ResendDue", "Task_DispatchMessage")
            .flatMap(activity ->
                runtime.createExecutionQuery().processDefinitionKey(KEY).activityId(activity).list().stream())
            .map(Execution::getProcessInstanceId)
            .collect(Collectors.toSet());
    if (instanceIds.isEmpty()) {
      return Set.of();
    }
    return runtime.createProcessInstanceQuery().processInstanceIds(instanceIds).list().stream()
        .map(ProcessInstance::getBusinessKey)
        .collect(Collectors.toSet());
  }

  private static boolean isRunning(RuntimeService runtime, String messageId) {
    return runtime.createProcessInstanceQuery()
            .processDefinitionKey(KEY)
            .processInstanceBusinessKey(messageId)
            .count()
        > 0;
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
   * Rooms whose view names a turn holder without a running delivery, that still have messages
   * waiting for the turn, or whose last sequence is not the number of messages sent.
   */
  private List<String> roomProblems(RelayApi api, RuntimeService runtime) {
    List<String> problems = new ArrayList<>();
    for (int r = 0; r < rooms; r++) {
      JsonNode view = api.room(room(r)).getBody();
      String holder = view.get("turnHolder").isNull() ? null : view.get("turnHolder").asText();
      if ((holder != null && !isRunning(runtime, holder))
          || view.get("waiting").asLong() != 0
          || view.get("lastSequence").asLong() != perRoom) {
        problems.add(room(r) + " " + view);
      }
    }
    return problems;
  }
}
