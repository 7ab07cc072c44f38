package dev.relay.channel;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.extension.Parameters;
import com.github.tomakehurst.wiremock.extension.ServeEventListener;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.relay.support.CallWindows;
import dev.relay.support.RelayApi;
import dev.relay.support.RelayNode;
import dev.relay.support.WebhookClient;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.camunda.bpm.engine.HistoryService;
import org.camunda.bpm.engine.ManagementService;
import org.camunda.bpm.engine.RuntimeService;
import org.camunda.bpm.engine.history.HistoricJobLog;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.ResponseEntity;
import org.springframework.web.client.RestClient;

/**
 * API.md §7 across a cluster: two Relay nodes (each its own engine and job executor) on one
 * embedded PostgreSQL, both calling one WireMock provider, which acknowledges every message it
 * takes through node B's webhook. The rate limit is counted where it matters, at the provider;
 * the circuit by the calls the provider sees while it is down.
 */
class ChannelRuntimePostgresIT {

  private static final String LIMITED = "limited";
  private static final String FLAKY = "flaky";
  private static final String SECRET = "channel-it-secret";
  private static final Duration OPEN_FOR = Duration.ofSeconds(2);
  private static final int TRIAL_CALLS = 2;

  private static EmbeddedPostgres postgres;
  private static WireMockServer provider;
  private static ConfigurableApplicationContext nodeA;
  private static ConfigurableApplicationContext nodeB;
  private static Node a;
  private static Node b;

  @BeforeAll
  static void startTwoNodesOnOneDatabase() throws IOException {
    postgres = EmbeddedPostgres.builder().start();
    int portA = freePort();
    int portB = freePort();
    provider = new WireMockServer(options().dynamicPort().extensions(new AckThroughNodeB()));
    provider.start();
    provider.stubFor(post(urlEqualTo("/" + LIMITED + "/messages")).willReturn(accepted()));
    provider.stubFor(post(urlEqualTo("/" + FLAKY + "/messages")).willReturn(accepted()));
    AckThroughNodeB.webhooks = "http://localhost:" + portB + "/webhooks/";
    // one after the other: the first creates the schemas, the second finds them
    nodeA = start(portA);
    nodeB = start(portB);
    a = new Node("http://localhost:" + portA);
    b = new Node("http://localhost:" + portB);
  }

  @AfterAll
  static void stop() throws IOException {
    for (ConfigurableApplicationContext node : new ConfigurableApplicationContext[] {nodeB, nodeA}) {
      if (node != null) {
        node.close();
      }
    }
    if (provider != null) {
      provider.stop();
    }
    if (postgres != null) {
      postgres.close();
    }
  }

  /**
   * Tolerance: the limit paces the calls' starts; the provider sees them after the network, so
   * one call's jitter may put one more into a window there. Nothing more is allowed.
   */
  @Test
  void rateLimit_holdsAcrossBothNodes_andAPatchTakesEffectWithinASecondOnBoth() {
    ResponseEntity<JsonNode> patched = a.patch(LIMITED, "{\"rateLimit\": 5}");
    assertThat(patched.getStatusCode().value()).isEqualTo(200);
    assertThat(patched.getBody().get("rateLimit").asInt()).isEqualTo(5);
    assertThat(b.channel(LIMITED).get("rateLimit").asInt()).isEqualTo(5);

    List<String> rooms = rooms("rate", 10);
    sendTwoPerRoom(rooms, LIMITED);
    await().atMost(Duration.ofSeconds(20)).until(() -> calls(LIMITED).size() >= 10);
    Instant slowedAt = Instant.now();
    assertThat(b.patch(LIMITED, "{\"rateLimit\": 2}").getStatusCode().value()).isEqualTo(200);

    awaitDelivered(rooms, Duration.ofSeconds(40));
    List<Instant> calls = calls(LIMITED).stream().map(r -> r.getLoggedDate().toInstant()).toList();
    assertThat(calls).hasSize(20); // one call each: every one was admitted once, none wasted
    assertThat(CallWindows.maxInOneSecond(calls, Instant.EPOCH)).isLessThanOrEqualTo(5 + 1);
    assertThat(CallWindows.maxInOneSecond(calls, slowedAt.plusSeconds(1))).isLessThanOrEqualTo(2 + 1);
    assertRoomOrder(rooms, LIMITED);
    assertThat(dispatchingEngines(rooms)).as("both nodes' job executors dispatched").hasSize(2);

    ResponseEntity<JsonNode> removed = a.patch(LIMITED, "{\"rateLimit\": null}");
    assertThat(removed.getBody().get("rateLimit").isNull()).isTrue();
    assertThat(b.channel(LIMITED).get("rateLimit").isNull()).isTrue();
  }

  @Test
  void providerDown_circuitOpensForBothNodes_boundsTheCalls_thenAllDeliveredInRoomOrder() {
    String path = "/" + FLAKY + "/messages";
    provider.stubFor(post(urlEqualTo(path)).willReturn(aResponse().withStatus(503)));
    List<String> rooms = rooms("outage", 8);
    Instant downSince = Instant.now();
    sendTwoPerRoom(rooms, FLAKY);

    await().atMost(Duration.ofSeconds(20))
        .until(() -> "OPEN".equals(b.channel(FLAKY).get("circuit").asText()));
    await().atMost(Duration.ofSeconds(10))
        .until(() -> a.channel(FLAKY).get("waiting").asLong() > 0);
    // down for at least three open-for periods: half-open rounds fail and open it again
    long before = provider.countRequestsMatching(postRequestedFor(urlEqualTo(path)).build()).getCount();
    await().pollDelay(OPEN_FOR.multipliedBy(3)).atMost(OPEN_FOR.multipliedBy(4)).until(() -> true);
    provider.stubFor(post(urlEqualTo(path)).willReturn(accepted()));
    Duration down = Duration.between(downSince, Instant.now());

    long duringOutage = calls(FLAKY).stream()
        .filter(r -> r.getLoggedDate().toInstant().isBefore(downSince.plus(down)))
        .count();
    // every room's first call may be under way before the circuit opens; after that, per
    // open-for period, one round of trial calls (and what a node's copy, a second old at most,
    // lets through before it learns). Without the circuit: 8 rooms x a try a second.
    long rounds = down.toMillis() / OPEN_FOR.toMillis() + 1;
    assertThat(duringOutage).isLessThanOrEqualTo(rooms.size() + rounds * TRIAL_CALLS + 2);
    assertThat(before).isGreaterThanOrEqualTo(1);

    awaitDelivered(rooms, Duration.ofSeconds(40));
    await().atMost(Duration.ofSeconds(10))
        .until(() -> "CLOSED".equals(a.channel(FLAKY).get("circuit").asText()));
    assertThat(b.channel(FLAKY).get("waiting").asLong()).isZero();
    assertRoomOrder(rooms, FLAKY);
    // holding is not an attempt, and nothing ran out of retries: no incident for an operator
    for (String room : rooms) {
      assertThat(a.api.message(room + "-m1").get("attempts").asInt()).isEqualTo(1);
      assertThat(a.api.message(room + "-m2").get("attempts").asInt()).isEqualTo(1);
    }
    ManagementService management = nodeA.getBean(ManagementService.class);
    assertThat(management.createJobQuery().withException().count()).isZero();
    assertThat(nodeA.getBean(RuntimeService.class).createIncidentQuery().count()).isZero();
  }

  @Test
  void unknownChannel_404_badRateLimit_400() {
    assertThat(a.get("/api/channels/nope").getStatusCode().value()).isEqualTo(404);
    ResponseEntity<JsonNode> bad = a.patch(LIMITED, "{\"rateLimit\": -1}");
    assertThat(bad.getStatusCode().value()).isEqualTo(400);
    assertThat(bad.getBody().get("errors").get(0).get("field").asText()).isEqualTo("rateLimit");
  }

  /** The host names (address and engine name) of the engines that dispatched these rooms. */
  private static Set<String> dispatchingEngines(List<String> rooms) {
    HistoryService history = nodeA.getBean(HistoryService.class);
    Set<String> instances = new HashSet<>();
    for (String room : rooms) {
      history.createHistoricProcessInstanceQuery().processInstanceBusinessKey(room).list()
          .forEach(instance -> instances.add(instance.getId()));
    }
    return history.createHistoricJobLogQuery().activityIdIn("Task_DispatchMessage").successLog()
        .list().stream()
        .filter(log -> instances.contains(log.getProcessInstanceId()))
        .map(HistoricJobLog::getHostname)
        .collect(Collectors.toSet());
  }

  private static void sendTwoPerRoom(List<String> rooms, String channel) {
    for (int k = 1; k <= 2; k++) {
      for (int r = 0; r < rooms.size(); r++) {
        Map<String, Object> message =
            RelayApi.newMessage(rooms.get(r) + "-m" + k, rooms.get(r), "hello " + k, null);
        message.put("channel", channel);
        Node node = (r + k) % 2 == 0 ? a : b;
        assertThat(node.api.send(message).getStatusCode().value()).isEqualTo(202);
      }
    }
  }

  private static void awaitDelivered(List<String> rooms, Duration atMost) {
    await().atMost(atMost).pollInterval(Duration.ofMillis(250)).until(
        () -> rooms.stream().allMatch(room ->
            "DELIVERED".equals(a.api.status(room + "-m1")) && "DELIVERED".equals(a.api.status(room + "-m2"))));
  }

  /** Each room's second message reached the provider only after its first. */
  private static void assertRoomOrder(List<String> rooms, String channel) {
    List<String> order = calls(channel).stream().map(r -> r.getHeader("Idempotency-Key")).toList();
    for (String room : rooms) {
      assertThat(order.indexOf(room + "-m1")).as(room).isLessThan(order.indexOf(room + "-m2"));
    }
  }

  private static List<LoggedRequest> calls(String channel) {
    return provider.findAll(postRequestedFor(urlEqualTo("/" + channel + "/messages"))).stream()
        .filter(r -> r.getHeader("Idempotency-Key") != null)
        .sorted(Comparator.comparing(LoggedRequest::getLoggedDate))
        .toList();
  }

  private static List<String> rooms(String prefix, int count) {
    String run = prefix + "-" + Long.toString(System.nanoTime(), 36);
    List<String> rooms = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      rooms.add(run + "-r" + i);
    }
    return rooms;
  }

  private static ConfigurableApplicationContext start(int port) {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("spring.datasource.url", postgres.getJdbcUrl("postgres", "postgres"));
    p.put("spring.datasource.username", "postgres");
    for (String channel : List.of(LIMITED, FLAKY)) {
      String prefix = "relay.channels." + channel + ".";
      p.put(prefix + "base-url", provider.baseUrl() + "/" + channel);
      p.put(prefix + "api-token", "token");
      p.put(prefix + "webhook-secret", SECRET);
      p.put(prefix + "ack-gate-timeout", "10s");
      p.put(prefix + "resend-delays", "30s");
    }
    // enough tries that no message runs out of them while the circuit holds it
    p.put("relay.dispatch-retry-delays", "1s,1s,1s,1s,1s,1s,1s,1s");
    p.put("relay.circuit.failure-threshold", 3);
    p.put("relay.circuit.open-for", OPEN_FOR.toMillis() + "ms");
    p.put("relay.circuit.trial-calls", TRIAL_CALLS);
    p.put("relay.circuit.ramp-up", "1s");
    return RelayNode.start(port, p);
  }

  private static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder accepted() {
    return aResponse()
        .withStatus(200)
        .withHeader("Content-Type", "application/json")
        .withBody("{\"id\": \"wamid.{{request.headers.Idempotency-Key}}\"}")
        .withTransformers("response-template");
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  /** The provider's delivery ACK for every message it took, to node B's webhook. */
  static final class AckThroughNodeB implements ServeEventListener {

    static volatile String webhooks;

    @Override
    public String getName() {
      return "ack-through-node-b";
    }

    @Override
    public void afterComplete(ServeEvent event, Parameters parameters) {
      String key = event.getRequest().getHeader("Idempotency-Key");
      if (key == null || event.getResponse().getStatus() != 200) {
        return;
      }
      String channel = event.getRequest().getUrl().split("/")[1];
      new WebhookClient(URI.create(webhooks + channel), SECRET).send(WebhookClient.delivered(key));
    }
  }

  /** One node's API: messages (API.md §1, §2) and channels (§7). */
  private record Node(RelayApi api, RestClient http) {

    Node(String baseUrl) {
      this(
          new RelayApi(baseUrl),
          RestClient.builder()
              .baseUrl(baseUrl)
              .defaultStatusHandler(status -> true, (request, response) -> {})
              .build());
    }

    ResponseEntity<JsonNode> get(String path) {
      return http.get().uri(path).retrieve().toEntity(JsonNode.class);
    }

    JsonNode channel(String name) {
      return api.channel(name);
    }

    ResponseEntity<JsonNode> patch(String name, String json) {
      return api.patchChannel(name, json);
    }
  }
}
