package dev.relay.room;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.relay.RelayApplication;
import dev.relay.support.RelayApi;
import dev.relay.support.WebhookClient;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.camunda.bpm.engine.RuntimeService;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.util.FileSystemUtils;

/**
 * PostgreSQL stopped and started under a node in the middle of its rooms' traffic (issue 11):
 * while it is gone, intake answers 503 problem+json at once (nothing stored, the client retries)
 * and webhooks answer non-2xx (the provider retries); once it is back the node carries on by
 * itself, and the rooms' promise holds: every message delivered, first attempts in sequence
 * order, no room waiting without its instance.
 */
class PostgresRestartIT {

  private static Path dataDirectory;
  private static int databasePort;
  private static EmbeddedPostgres postgres;
  private static ConfigurableApplicationContext node;
  private static int port;

  @BeforeAll
  static void startNodeOnPostgres() throws IOException {
    dataDirectory = Files.createTempDirectory("relay-pg-restart");
    databasePort = RoomChaos.freePort();
    postgres = startPostgres();
    port = RoomChaos.freePort();
    List<String> args = new ArrayList<>();
    args.add("--server.port=" + port);
    args.add("--spring.datasource.url=" + postgres.getJdbcUrl("postgres", "postgres"));
    args.add("--spring.datasource.username=postgres");
    RoomChaos.relayProperties(port).forEach((name, value) -> args.add("--" + name + "=" + value));
    RoomChaos.simulatorProperties("http://localhost:" + port + "/webhooks/{channel}")
        .forEach((name, value) -> args.add("--" + name + "=" + value));
    node = new SpringApplicationBuilder(RelayApplication.class)
        .main(RelayApplication.class)
        .profiles("test")
        .run(args.toArray(String[]::new));
  }

  /** The same data directory and port each time, as a restarted server has. */
  private static EmbeddedPostgres startPostgres() throws IOException {
    return EmbeddedPostgres.builder()
        .setRegisterShutdownHook(false)
        .setDataDirectory(dataDirectory)
        .setCleanDataDirectory(false)
        .setPort(databasePort)
        .start();
  }

  @AfterAll
  static void stop() throws IOException {
    if (node != null) {
      node.close();
    }
    if (postgres != null) {
      postgres.close();
    }
    FileSystemUtils.deleteRecursively(dataDirectory);
  }

  @Test
  void databaseGoneMidTraffic_intake503_webhooksRetried_thenEveryMessageDeliveredInOrder()
      throws Exception {
    String base = "http://localhost:" + port;
    RelayApi api = new RelayApi(base);
    RoomChaos chaos = new RoomChaos("pg-" + UUID.randomUUID().toString().substring(0, 8), 30, 3);
    chaos.sendAll(List.of(api), 8);

    postgres.close(); // dispatches, ACKs and timers of those rooms are in flight

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

    postgres = startPostgres();

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
