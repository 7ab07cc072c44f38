package dev.relay.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Arrays;
import javax.sql.DataSource;
import org.camunda.bpm.engine.ProcessEngine;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/** The simulator as a process of its own, started exactly as its {@code main} starts it. */
class SimulatorApplicationTest {

  private static ConfigurableApplicationContext context;
  private static final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() {
    context = SimulatorApplication.application().run("--server.port=0");
  }

  @AfterAll
  static void stop() {
    context.close();
  }

  @Test
  void onlyTheSimulator_noEngineNoDatabaseNoRelay() {
    assertThat(context.getBeansOfType(ProviderSimulator.class)).hasSize(1);
    assertThat(context.getBeansOfType(DataSource.class)).isEmpty();
    assertThat(context.getBeansOfType(ProcessEngine.class)).isEmpty();
    assertThat(context.getBeansOfType(Flyway.class)).isEmpty();
    assertThat(Arrays.stream(context.getBeanDefinitionNames())
            .map(name -> context.getType(name))
            .filter(type -> type != null && type.getPackageName().startsWith("dev.relay"))
            .map(Class::getPackageName))
        .as("packages of Relay's beans in the context")
        .containsOnly("dev.relay.simulator");
    // Relay's application.yml is not read: it would switch on the demo profile
    assertThat(context.getEnvironment().getActiveProfiles()).isEmpty();
  }

  @Test
  void servesTheProviderApi_andHealth_butNotTheBenchmarksFigures() throws Exception {
    assertThat(get("/actuator/health").body()).contains("\"status\":\"UP\"");

    HttpResponse<String> sent = http.send(
        HttpRequest.newBuilder(uri("/simulator/bench/messages"))
            .header("Authorization", "Bearer token")
            .header("Idempotency-Key", "m-1")
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(
                "{\"to\":\"room-1\",\"body\":\"hi\",\"reference\":\"m-1\"}"))
            .build(),
        HttpResponse.BodyHandlers.ofString());

    assertThat(sent.statusCode()).isEqualTo(200);
    assertThat(get("/simulator/inbox/room-1").body()).contains("\"reference\":\"m-1\"");
    // they are test code (dev.relay.bench.BenchSimulator): not in Relay's jar
    assertThat(get("/simulator/bench/interval").statusCode()).isEqualTo(404);
    assertThat(get("/simulator/bench/first-attempts").statusCode()).isEqualTo(404);
  }

  private static HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(uri(path)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static URI uri(String path) {
    int port = ((WebServerApplicationContext) context).getWebServer().getPort();
    return URI.create("http://localhost:" + port + path);
  }
}
