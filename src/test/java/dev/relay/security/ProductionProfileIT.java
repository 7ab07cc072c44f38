package dev.relay.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.camunda.bpm.engine.IdentityService;
import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.impl.util.ClockUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.ActiveProfiles;

/**
 * Relay as production runs it (profile {@code prod}, on H2 here), probed as an attacker would:
 * it starts once given the settings {@link ProductionSettings} demands; the actuator shows only
 * health without a login; wrong passwords never lock the administrator out for good; push URLs
 * cannot point at this node or the internal network; oversized bodies are refused however they
 * are sent; Tomcat's own errors are problem+json.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "spring.datasource.url=jdbc:h2:mem:relay-prod-${random.uuid};LOCK_TIMEOUT=10000;DB_CLOSE_DELAY=-1",
      // engine REST is asked by engine name: the test class path has a camunda.cfg.xml "default"
      "camunda.bpm.generate-unique-process-engine-name=true",
      "camunda.bpm.generate-unique-process-application-name=true",
      "RELAY_ADMIN_USER=" + ProductionProfileIT.ADMIN,
      "RELAY_ADMIN_PASSWORD=" + ProductionProfileIT.PASSWORD,
      "relay.api.tokens=" + ProductionProfileIT.API_TOKEN,
      "relay.channels.whatsapp.base-url=http://provider.invalid",
      "relay.channels.whatsapp.api-token=provider-token",
      "relay.channels.whatsapp.webhook-secret=prod-webhook-secret"
    })
@ActiveProfiles("prod")
@AutoConfigureObservability(tracing = false) // Spring Boot's tests leave out /actuator/prometheus otherwise
class ProductionProfileIT {

  static final String ADMIN = "ops";
  static final String PASSWORD = "ops-password-of-length";
  static final String API_TOKEN = "prod-api-token";
  /** Camunda's longest login delay after a wrong password (application.yml), and a bit. */
  private static final long PAST_THE_LONGEST_DELAY = 11_000;


  @LocalServerPort int port;
  @Autowired IdentityService identities;
  @Autowired ProcessEngine engine;

  private final HttpClient http = HttpClient.newHttpClient();
  private final ObjectMapper json = new ObjectMapper();
  private long clockOffset;

  @AfterEach
  void realTimeAndNoDelay() {
    ClockUtil.reset();
    identities.unlockUser(ADMIN); // a delay set at a moved clock would outlast the test
  }

  @Test
  void healthAndItsProbes_needNoLogin() throws Exception {
    for (String path : List.of("/actuator/health", "/actuator/health/liveness", "/actuator/health/readiness")) {
      assertThat(get(path, null).statusCode()).as(path).isEqualTo(200);
    }
  }

  @Test
  void metricsAndEveryOtherActuatorEndpoint_needACamundaLogin() throws Exception {
    List<String> paths =
        List.of(
            "/actuator",
            "/actuator/prometheus",
            "/actuator/metrics",
            "/actuator/metrics/jvm.memory.used",
            "/actuator/health/../prometheus"); // normalised by Tomcat: not health
    for (String path : paths) {
      assertThat(get(path, null).statusCode()).as(path).isEqualTo(401);
      assertThat(get(path, basic(ADMIN, "wrong")).statusCode()).as(path).isEqualTo(401);
    }
    releaseTheLoginDelay();
    assertThat(get("/actuator/prometheus", basic(ADMIN, PASSWORD)).statusCode()).isEqualTo(200);
    assertThat(get("/actuator/metrics", basic(ADMIN, PASSWORD)).statusCode()).isEqualTo(200);
  }

  @Test
  void wrongPasswordsOnEngineRest_delayTheAdministrator_butNeverLockItForGood() throws Exception {
    // Camunda's default locks a user for good after 10 counted wrong guesses
    for (int guess = 1; guess <= 15; guess++) {
      assertThat(get(users(), basic(ADMIN, "guess-" + guess)).statusCode())
          .isEqualTo(401);
      // each guess counts only once the delay of the one before has passed
      passTime(PAST_THE_LONGEST_DELAY);
    }
    assertThat(get(users(), basic(ADMIN, PASSWORD)).statusCode()).isEqualTo(200);

    // right after a wrong guess even the right password waits, at most the longest delay
    get(users(), basic(ADMIN, "one-more-guess"));
    assertThat(get(users(), basic(ADMIN, PASSWORD)).statusCode()).isEqualTo(401);
    passTime(PAST_THE_LONGEST_DELAY);
    assertThat(get(users(), basic(ADMIN, PASSWORD)).statusCode()).isEqualTo(200);
  }

  @Test
  void anOperatorUnlocksADelayedUserAtOnce() throws Exception {
    get(users(), basic(ADMIN, "a-guess"));
    assertThat(get(users(), basic(ADMIN, PASSWORD)).statusCode()).isEqualTo(401);

    identities.unlockUser(ADMIN); // docs/operations.md: Admin → Users → Unlock, or this

    assertThat(get(users(), basic(ADMIN, PASSWORD)).statusCode()).isEqualTo(200);
  }

  @Test
  void openApiDocumentAndSwaggerUi_areOff() throws Exception {
    for (String path :
        List.of("/v3/api-docs", "/v3/api-docs/swagger-config", "/swagger-ui.html", "/swagger-ui/index.html",
            "/webjars/swagger-ui/index.html")) {
      assertThat(get(path, null).statusCode()).as(path).isEqualTo(404);
      assertThat(get(path, basic(ADMIN, PASSWORD)).statusCode()).as(path).isEqualTo(404);
    }
  }

  @Test
  void pushUrlToThisNodeOrTheInternalNetwork_400_namingPushUrl() throws Exception {
    List<String> internal =
        List.of(
            "http://127.0.0.1:" + port + "/engine-rest",
            "http://localhost:" + port + "/engine-rest",
            "http://169.254.169.254/latest/meta-data",
            "http://10.0.0.5/device",
            "http://192.168.1.1/device",
            "http://[::1]:" + port + "/device",
            "http://0.0.0.0:" + port + "/device");
    for (String pushUrl : internal) {
      HttpResponse<String> answer =
          send(
              HttpRequest.newBuilder(uri("/api/users/u-1/devices/phone"))
                  .header("Authorization", "Bearer " + API_TOKEN)
                  .header("Content-Type", "application/json")
                  .PUT(BodyPublishers.ofString(json.writeValueAsString(Map.of("pushUrl", pushUrl)))));
      assertThat(answer.statusCode()).as(pushUrl).isEqualTo(400);
      assertThat(answer.headers().firstValue("Content-Type")).hasValue("application/problem+json");
      assertThat(json.readTree(answer.body()).get("errors").get(0).get("field").asText()).isEqualTo("pushUrl");
    }
  }

  @Test
  void oversizedBodies_413_whetherTheirLengthIsSaidOrNot_andNothingStored() throws Exception {
    String messageId = "m-oversized";
    byte[] intake =
        json.writeValueAsBytes(
            Map.of(
                "messageId", messageId, "roomId", "room-1", "channel", "whatsapp", "to", "+1555",
                "body", "hello", "padding", "x".repeat(600 * 1024)));
    byte[] callback = ("{\"statuses\": [], \"padding\": \"" + "x".repeat(1100 * 1024) + "\"}").getBytes(StandardCharsets.UTF_8);

    for (BodyPublisher body : List.of(BodyPublishers.ofByteArray(intake), chunked(intake))) {
      expectTooLarge(
          send(
              HttpRequest.newBuilder(uri("/api/messages"))
                  .header("Authorization", "Bearer " + API_TOKEN)
                  .header("Content-Type", "application/json")
                  .POST(body)));
    }
    for (BodyPublisher body : List.of(BodyPublishers.ofByteArray(callback), chunked(callback))) {
      expectTooLarge(
          send(
              HttpRequest.newBuilder(uri("/webhooks/whatsapp"))
                  .header("Content-Type", "application/json")
                  .POST(body)));
    }
    HttpResponse<String> stored =
        send(HttpRequest.newBuilder(uri("/api/messages/" + messageId)).header("Authorization", "Bearer " + API_TOKEN));
    assertThat(stored.statusCode()).isEqualTo(404);
  }

  @Test
  void unsignedCallback_401_problemSayingWhichCheckFailed() throws Exception {
    HttpResponse<String> answer =
        send(
            HttpRequest.newBuilder(uri("/webhooks/whatsapp"))
                .header("Content-Type", "application/json")
                .POST(BodyPublishers.ofString("{\"statuses\": []}")));

    assertThat(answer.statusCode()).isEqualTo(401);
    assertThat(answer.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    assertThat(json.readTree(answer.body()).get("detail").asText()).isEqualTo("X-Relay-Signature is missing");
  }

  @Test
  void aUrlTomcatCannotDecode_400_problemJson() throws Exception {
    for (String target : List.of("/api/messages/%zz", "/api/messages/a%00b", "/api/messages/a b")) {
      String answer = raw("GET " + target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
      assertThat(answer).as(target).startsWith("HTTP/1.1 400");
      assertThat(answer).as(target).containsIgnoringCase("Content-Type: application/problem+json");
      JsonNode problem = json.readTree(answer.substring(answer.indexOf("\r\n\r\n") + 4));
      assertThat(problem.get("status").asInt()).isEqualTo(400);
      assertThat(problem.get("title").asText()).isEqualTo("Bad Request");
      assertThat(answer).doesNotContain("Apache Tomcat");
    }
  }

  private void expectTooLarge(HttpResponse<String> answer) throws IOException {
    assertThat(answer.statusCode()).isEqualTo(413);
    assertThat(answer.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    assertThat(json.readTree(answer.body()).get("status").asInt()).isEqualTo(413);
  }

  /** A body sent chunked: no Content-Length tells its size. */
  private static BodyPublisher chunked(byte[] body) {
    return BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body));
  }

  /** Moves Camunda's clock (login delays are measured on it) forward. */
  private void passTime(long millis) {
    clockOffset += millis;
    ClockUtil.offset(clockOffset);
  }

  private String users() {
    return "/engine-rest/engine/" + engine.getName() + "/user/count";
  }

  private void releaseTheLoginDelay() {
    identities.unlockUser(ADMIN);
  }

  private HttpResponse<String> get(String path, String authorization) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri(path));
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    return send(request);
  }

  private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return http.send(request.build(), BodyHandlers.ofString());
  }

  /** A request as written, for what HttpClient refuses to send. */
  private String raw(String request) throws IOException {
    try (Socket socket = new Socket("localhost", port)) {
      OutputStream out = socket.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = socket.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private URI uri(String path) {
    return URI.create("http://localhost:" + port + path);
  }

  private static String basic(String user, String password) {
    return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }
}
