package dev.relay.room;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.zaxxer.hikari.HikariDataSource;
import dev.relay.support.CallWindows;
import dev.relay.support.ChildJvm;
import dev.relay.support.RelayApi;
import dev.relay.support.RestartablePostgres;
import dev.relay.support.WebhookClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The fault-injection suite of issue 11, run against the packaged application: two Relay nodes,
 * each {@code java -jar} of the jar {@code mvn package} built, on one embedded PostgreSQL in this
 * JVM. Node B also serves the provider simulator, with 15 % dropped ACKs and duplicated, reordered
 * and early ones; its callbacks go to either node as behind a load balancer, and intake alternates
 * between the nodes. Each scenario injects one fault into its own run of rooms, then {@link
 * RoomChaos#verify} checks, through the API, the simulator's inbox and the tables, that every
 * message was delivered or is on its resend path, that each room's first attempts reached the
 * provider in sequence order, that no Idempotency-Key went out under two messages and that no
 * room waited without a live instance; it prints a summary table.
 *
 * <p>Small by default, to fit the build: {@value #DEFAULT_ROOMS} rooms × {@value
 * #DEFAULT_PER_ROOM} messages per scenario. docs/operations.md gives the command of the larger run
 * ({@code -Drelay.faults.rooms=200}).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterFaultsIT {

  private static final int DEFAULT_ROOMS = 24;
  private static final int DEFAULT_PER_ROOM = 4;
  private static final int ROOMS = Integer.getInteger("relay.faults.rooms", DEFAULT_ROOMS);
  private static final int PER_ROOM = Integer.getInteger("relay.faults.per-room", DEFAULT_PER_ROOM);
  /** Intake pace: the traffic lasts a few seconds, so the faults meet intake too. */
  private static final int PER_SECOND = Integer.getInteger("relay.faults.rate", 40);
  private static final Duration LOCK_TIME = Duration.ofSeconds(10);
  private static final Duration OPEN_FOR = Duration.ofSeconds(2);
  private static final int TRIAL_CALLS = 2;

  private static final HttpClient http = HttpClient.newHttpClient();
  private static Path dir;
  private static RestartablePostgres postgres;
  private static HikariDataSource dataSource;
  private static JdbcTemplate jdbc;
  private static int portA;
  private static int portB;
  private static ChildJvm nodeA;
  private static ChildJvm nodeB;
  private static RelayApi apiA;
  private static RelayApi apiB;
  private static SimulatorClient simulator;

  @BeforeAll
  static void startTwoPackagedNodesOnOneDatabase() throws Exception {
    // the nodes' logs stay for a look after a failure; mvn clean removes them
    dir = Files.createTempDirectory(Files.createDirectories(Path.of("target")), "cluster-faults");
    postgres = new RestartablePostgres();
    dataSource = new HikariDataSource();
    dataSource.setJdbcUrl(postgres.jdbcUrl());
    dataSource.setUsername("postgres");
    dataSource.setMaximumPoolSize(4);
    // the checks' own connections: after the database's restart new ones may take seconds on a
    // busy machine, and a check that could not connect would fail the run for the test's sake
    dataSource.setConnectionTimeout(15_000);
    jdbc = new JdbcTemplate(dataSource);
    portA = ChildJvm.freePort();
    portB = ChildJvm.freePort();
    nodeB = start("relay-b", portB, true); // first: it creates the schemas
    nodeA = start("relay-a", portA, false);
    apiA = new RelayApi("http://localhost:" + portA);
    apiB = new RelayApi("http://localhost:" + portB);
    simulator = new SimulatorClient("http://localhost:" + portB);
  }

  @AfterAll
  static void stop() throws Exception {
    for (AutoCloseable closeable : new AutoCloseable[] {nodeA, nodeB, dataSource, postgres}) {
      if (closeable != null) {
        closeable.close();
      }
    }
  }

  /**
   * Node A killed with SIGKILL while both nodes hold jobs: B takes over A's locked jobs once their
   * lock expires (10 s here, with a provider timeout of 2 s, see {@code JobLockTime}); A is started
   * again while the rooms finish.
   */
  @Test
  @Order(1)
  void nodeKilledMidTraffic_jobsTakenOver_thenRestarted() throws Exception {
    RoomChaos chaos = chaos("kill");
    chaos.watch(jdbc);
    CompletableFuture<Void> sending = sendInBackground(chaos);
    await("half the messages accepted, and jobs locked by both nodes")
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> chaos.accepted() >= ROOMS * PER_ROOM / 2 && lockOwners() >= 2);
    nodeA.kill();
    long killedAt = System.nanoTime();
    // from now on only B works, so what is locked now and still held by the same owner later is
    // A's, waiting for its lock to expire
    List<Map<String, Object>> heldAtKill =
        jdbc.queryForList("select id_, lock_owner_ from act_ru_job where lock_owner_ is not null");
    await("the dead node's jobs taken over")
        .atMost(LOCK_TIME.multipliedBy(4))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> stillHeld(heldAtKill) == 0);
    chaos.tookOver(Duration.ofNanos(System.nanoTime() - killedAt));
    chaos.note("jobs locked at the kill", heldAtKill.size());
    sending.join();

    nodeA = launch("relay-a-restarted", portA, false); // rejoins while the rooms finish
    RoomChaos.Summary summary = chaos.verify("kill -9 node A, restart", apiB, simulator, jdbc);
    nodeA.awaitHealthy(http, Duration.ofMinutes(2));

    assertThat(summary.takeover()).as("takeover of the dead node's jobs").isLessThan(LOCK_TIME.multipliedBy(3));
  }

  /**
   * PostgreSQL stopped for a stretch mid-traffic and started again: meanwhile intake answers 503
   * problem+json (nothing stored; the client tries again) and webhooks non-2xx (the provider tries
   * again); afterwards both nodes carry on by themselves.
   */
  @Test
  @Order(2)
  void databaseStoppedMidTraffic_intake503_thenBothNodesCarryOn() throws Exception {
    RoomChaos chaos = chaos("pg");
    CompletableFuture<Void> sending = sendInBackground(chaos);
    await().atMost(Duration.ofMinutes(1)).until(() -> chaos.accepted() >= ROOMS * PER_ROOM / 3);
    postgres.stop();
    Instant stoppedAt = Instant.now();

    String lateMessage = "outage-" + chaos.room(0); // outside the run: not counted in its table
    ResponseEntity<JsonNode> refused = apiA.send(outageMessage(lateMessage));
    assertThat(refused.getStatusCode()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
    assertThat(refused.getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
    assertThat(refused.getHeaders().getFirst("Retry-After")).isNotBlank();
    WebhookClient webhook = new WebhookClient(
        URI.create("http://localhost:" + portB + "/webhooks/" + RoomChaos.CHANNEL), RoomChaos.WEBHOOK_SECRET);
    assertThat(webhook.send(new WebhookClient.Status("wamid.unknown", lateMessage, "delivered")) / 100)
        .as("webhook answer without a database").isNotEqualTo(2);
    await().pollDelay(Duration.ofSeconds(5)).until(() -> true); // the outage
    postgres.start();
    Duration outage = Duration.between(stoppedAt, Instant.now());

    for (RelayApi api : List.of(apiA, apiB)) {
      await("intake accepted again, without a restart of the node")
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(200))
          .until(() -> api.send(outageMessage(lateMessage)).getStatusCode().is2xxSuccessful());
    }
    sending.join();
    chaos.watch(jdbc);
    chaos.note("intake 503s", chaos.refused());
    chaos.note("database down", outage.toMillis() + " ms");
    chaos.verify("PostgreSQL stopped, restarted", apiA, simulator, jdbc);

    assertThat(chaos.refused()).as("intake answered 503 while the database was down").isPositive();
    await("the message refused during the outage, sent again, delivered")
        .atMost(Duration.ofSeconds(30))
        .until(() -> apiB.status(lateMessage), status -> status.equals("DELIVERED"));
  }

  /**
   * The provider answers 503 to everything for a stretch: the circuit opens for both nodes and
   * bounds the calls to one round of trial calls per open period; then the traffic recovers, in
   * order, without any message having spent an attempt on the outage.
   */
  @Test
  @Order(3)
  void providerDown_circuitBoundsTheCalls_thenTrafficRecoversInOrder() throws Exception {
    RoomChaos chaos = chaos("down");
    long rejectedBefore = simulator.rejected5xx();
    simulator.behaviour(Map.of("serverErrorRate", 1.0));
    Instant downSince = Instant.now();
    chaos.watch(jdbc);
    CompletableFuture<Void> sending = sendInBackground(chaos);
    await().atMost(Duration.ofSeconds(30))
        .until(() -> "OPEN".equals(apiB.channel(RoomChaos.CHANNEL).get("circuit").asText()));
    await().atMost(Duration.ofSeconds(10))
        .until(() -> apiA.channel(RoomChaos.CHANNEL).get("waiting").asLong() > 0);
    // down for at least three open periods: half-open rounds fail and open it again
    await().pollDelay(OPEN_FOR.multipliedBy(3)).atMost(OPEN_FOR.multipliedBy(4)).until(() -> true);
    simulator.behaviour(Map.of("serverErrorRate", 0.0));
    Duration down = Duration.between(downSince, Instant.now());
    long callsWhileDown = simulator.rejected5xx() - rejectedBefore;
    sending.join();

    // each room's first message may be called before the circuit opens (the others wait for their
    // turn); after that, per open period, one round of trial calls, and what a node's copy of the
    // state, a second old at most, lets through before it learns. Without the circuit: every room
    // a try a second.
    long rounds = down.toMillis() / OPEN_FOR.toMillis() + 1;
    long bound = ROOMS + rounds * TRIAL_CALLS + 2;
    chaos.note("provider down", down.toMillis() + " ms");
    chaos.note("calls while down (bound)", callsWhileDown + " (" + bound + ")");
    chaos.verify("provider down", apiA, simulator, jdbc);

    assertThat(callsWhileDown).as("provider calls while it was down").isPositive().isLessThanOrEqualTo(bound);
    await().atMost(Duration.ofSeconds(10))
        .until(() -> "CLOSED".equals(apiA.channel(RoomChaos.CHANNEL).get("circuit").asText()));
  }

  /**
   * A rate limit of N/s set through one node holds across both, as the provider counts (tolerance:
   * one call more in a second, the jitter of one call between the limit's pacing and the
   * provider's clock); a lower limit set through the other node holds from a second later on.
   */
  @Test
  @Order(4)
  void rateLimit_heldAcrossBothNodes_aPatchTakesEffectWithinASecond() throws Exception {
    int first = 6;
    int then = 3;
    ResponseEntity<JsonNode> patched = apiA.patchChannel(RoomChaos.CHANNEL, "{\"rateLimit\": " + first + "}");
    assertThat(patched.getStatusCode().value()).isEqualTo(200);
    assertThat(apiB.channel(RoomChaos.CHANNEL).get("rateLimit").asInt()).isEqualTo(first);
    // API.md §7: in effect on every node within a second; till then node B may pace by its copy
    Thread.sleep(1_100);
    try {
      RoomChaos chaos = new RoomChaos(runId("rate"), 12, 3);
      chaos.watch(jdbc);
      chaos.sendAll(List.of(apiA, apiB), 8);
      await().atMost(Duration.ofSeconds(30)).until(() -> calls(chaos, 12).size() >= 12);
      Instant slowedAt = Instant.now();
      assertThat(apiB.patchChannel(RoomChaos.CHANNEL, "{\"rateLimit\": " + then + "}").getStatusCode().value())
          .isEqualTo(200);
      await("every message delivered").atMost(Duration.ofSeconds(90)).until(() -> chaos.allDelivered(jdbc));

      List<Instant> calls = calls(chaos, 12);
      int most = CallWindows.maxInOneSecond(calls, Instant.EPOCH);
      int mostAfter = CallWindows.maxInOneSecond(calls, slowedAt.plusSeconds(1));
      chaos.note("limit", first + "/s, then " + then + "/s");
      chaos.note("most calls in a second (after the PATCH + 1 s)", most + " (" + mostAfter + ")");
      chaos.verify("rate limit across two nodes", apiB, simulator, jdbc);

      assertThat(most).as("most provider calls in any second").isLessThanOrEqualTo(first + 1);
      assertThat(mostAfter).as("most provider calls in a second, from a second after the PATCH")
          .isLessThanOrEqualTo(then + 1);
    } finally {
      apiA.patchChannel(RoomChaos.CHANNEL, "{\"rateLimit\": null}");
    }
  }

  private static RoomChaos chaos(String scenario) {
    return new RoomChaos(runId(scenario), ROOMS, PER_ROOM);
  }

  private static String runId(String scenario) {
    return scenario + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private static CompletableFuture<Void> sendInBackground(RoomChaos chaos) {
    return CompletableFuture.runAsync(() -> {
      try {
        chaos.sendAll(List.of(apiA, apiB), 8, PER_SECOND);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
  }

  /** Every call the provider accepted for the run's rooms, in the order it got them. */
  private static List<Instant> calls(RoomChaos chaos, int rooms) {
    List<Instant> calls = new ArrayList<>();
    for (int r = 0; r < rooms; r++) {
      simulator.inbox(chaos.room(r)).forEach(received -> calls.add(received.receivedAt()));
    }
    calls.sort(Comparator.naturalOrder());
    return calls;
  }

  /** How many job executors hold locks right now. */
  private static int lockOwners() {
    return jdbc.queryForObject(
        "select count(distinct lock_owner_) from act_ru_job where lock_owner_ is not null"
            + " and lock_exp_time_ > current_timestamp",
        Integer.class);
  }

  /** How many of the jobs locked at the kill are still there, locked by the same owner. */
  private static int stillHeld(List<Map<String, Object>> heldAtKill) {
    int held = 0;
    for (Map<String, Object> job : heldAtKill) {
      held += jdbc.queryForObject(
          "select count(*) from act_ru_job where id_ = ? and lock_owner_ = ?", Integer.class,
          job.get("id_"), job.get("lock_owner_"));
    }
    return held;
  }

  private static Map<String, Object> outageMessage(String messageId) {
    Map<String, Object> request = RelayApi.newMessage(messageId, messageId, "during the outage", null);
    request.put("channel", RoomChaos.CHANNEL);
    request.put("to", messageId);
    return request;
  }

  private static ChildJvm start(String name, int port, boolean simulator) throws Exception {
    ChildJvm node = launch(name, port, simulator);
    node.awaitHealthy(http, Duration.ofMinutes(3));
    return node;
  }

  /**
   * A node as an operator runs it: the packaged jar, outside the demo profile, given what a node
   * must be given (security/ProductionSettings), the channel served by the simulator on node B,
   * a short lock for a quick takeover, and a circuit that opens soon.
   */
  private static ChildJvm launch(String name, int port, boolean simulator) throws Exception {
    Map<String, Object> p = new LinkedHashMap<>(RoomChaos.relayProperties(portB));
    p.put("spring.profiles.active", "cluster");
    p.put("camunda.bpm.admin-user.id", "operator");
    p.put("camunda.bpm.admin-user.password", "operator-password");
    p.put("relay.api.open", true);
    p.put("spring.datasource.url", postgres.jdbcUrl());
    p.put("spring.datasource.username", "postgres");
    p.put("camunda.bpm.job-execution.lock-time-in-millis", LOCK_TIME.toMillis());
    p.put("relay.provider-timeout", "2s");
    // enough tries that no message runs out of them while the circuit holds it
    p.put("relay.dispatch-retry-delays", "1s,1s,1s,1s,1s,1s,1s,1s");
    p.put("relay.circuit.failure-threshold", 3);
    p.put("relay.circuit.open-for", OPEN_FOR.toMillis() + "ms");
    p.put("relay.circuit.trial-calls", TRIAL_CALLS);
    p.put("relay.circuit.ramp-up", "1s");
    if (simulator) {
      p.putAll(RoomChaos.simulatorProperties(
          "http://localhost:" + portA + "/webhooks/{channel},http://localhost:" + portB + "/webhooks/{channel}"));
    }
    List<String> args = new ArrayList<>();
    p.forEach((key, value) -> args.add("--" + key + "=" + value));
    return ChildJvm.startJar(name, port, "512m", args, dir);
  }
}
