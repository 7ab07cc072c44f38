package dev.relay.room;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.relay.support.RelayApi;
import dev.relay.support.RelayNode;
import dev.relay.support.RestartablePostgres;
import dev.relay.support.WebhookClient;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.camunda.bpm.engine.RuntimeService;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * PostgreSQL stopped and started under a node in the middle of its rooms' traffic (issue 11):
 * while it is gone, intake answers 503 problem+json at once (nothing stored, the client retries)
 * and webhooks answer non-2xx (the provider retries); once it is back the node carries on by
 * itself, and the rooms' promise holds: every message delivered, first attempts in sequence
 * order, no room waiting without its instance.
 */
class PostgresRestartIT {

  private static RestartablePostgres postgres;
  private static ConfigurableApplicationContext node;
  private static int port;

  @BeforeAll
  static void startNodeOnPostgres() throws IOException {
    postgres = new RestartablePostgres();
    port = RoomChaos.freePort();
    Map<String, Object> properties = new LinkedHashMap<>(RoomChaos.relayProperties(port));
    properties.put("spring.datasource.url", postgres.jdbcUrl());
    properties.put("spring.datasource.username", "postgres");
    properties.putAll(RoomChaos.simulatorProperties("http://localhost:" + port + "/webhooks/{channel}"));
    node = RelayNode.start(port, properties);
  }

  @AfterAll
  static void stop() throws IOException {
    if (node != null) {
      node.close();
    }
    if (postgres != null) {
      postgres.close();
    }
  }

  @Test
  void databaseGoneMidTraffic_intake503_webhooksRetried_thenEveryMessageDeliveredInOrder()
      throws Exception {
    String base = "http://localhost:" + port;
    RelayApi api = new RelayApi(base);
    RoomChaos chaos = new RoomChaos("pg-" + UUID.randomUUID().toString().substring(0, 8), 30, 3);
    chaos.sendAll(List.of(api), 8);

    postgres.stop(); // dispatches, ACKs and timers of those rooms are in flight

    long started = System.nanoTime();
    ResponseEntity<JsonNode> refused = api.send(outageMessage("pg-outage-m1"));
    Duration took = Duration.ofNanos(System.nanoTime() - started);
    assertThat(refused.getStatusCode()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
    assertThat(refused.getHeaders().getContentType())
        .isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
    assertThat(refused.getHeaders().getFirst("Retry-After")).isNotBlank();
    assertThat(refused.getBody().get("status").asInt()).isEqualTo(503);
    assertThat(took).as("time to refuse an intake without a database").isLessThan(Duration.ofSeconds(5));

    WebhookClient webhook =
        new WebhookClient(URI.create(base + "/webhooks/" + RoomChaos.CHANNEL), RoomChaos.WEBHOOK_SECRET);
    int webhookAnswer =
        webhook.send(new WebhookClient.Status("whatsapp-unknown", "pg-outage-m1", "delivered"));
    assertThat(webhookAnswer / 100).as("webhook answer without a database").isNotEqualTo(2);

    postgres.start();

    await("intake accepted again, without a restart of the node")
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> api.send(outageMessage("pg-outage-m1")).getStatusCode().is2xxSuccessful());
    JdbcTemplate jdbc = node.getBean(JdbcTemplate.class);
    chaos.watch(jdbc);
    chaos.verify(api, new SimulatorClient(base), jdbc, node.getBean(RuntimeService.class));
    await("the message refused during the outage, sent again, delivered")
        .atMost(Duration.ofSeconds(30))
        .until(() -> api.status("pg-outage-m1"), status -> status.equals("DELIVERED"));
  }

  private static Map<String, Object> outageMessage(String messageId) {
    Map<String, Object> request = RelayApi.newMessage(messageId, "pg-outage-room", "during the outage", null);
    request.put("channel", RoomChaos.CHANNEL);
    request.put("to", "pg-outage-room");
    return request;
  }
}
