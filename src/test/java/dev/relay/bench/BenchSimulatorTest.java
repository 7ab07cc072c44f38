package dev.relay.bench;

import static com.github.tomakehurst.wiremock.client.WireMock.ok;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.serverError;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The simulator as the benchmark starts it ({@link BenchSimulator#application()}), with WireMock
 * standing in for Relay's webhook: the figures the sampler and the check read.
 */
class BenchSimulatorTest {

  private static final String TO = "room-1";
  private static final String WEBHOOK = "/webhooks/bench";
  private static final Duration CALLBACK_DELAY = Duration.ofMillis(20);

  private static WireMockServer wireMock;
  private static ConfigurableApplicationContext simulator;

  private final HttpClient http = HttpClient.newHttpClient();
  private final ObjectMapper json = new ObjectMapper();
  private long callbacksBefore;

  @BeforeAll
  static void start() {
    wireMock = new WireMockServer(options().dynamicPort());
    wireMock.start();
    simulator = BenchSimulator.application().run("--server.port=0",
        "--relay.simulator.callback-url=" + wireMock.baseUrl() + "/webhooks/{channel}",
        "--relay.simulator.callback-delay=" + CALLBACK_DELAY.toMillis() + "ms",
        "--relay.simulator.callback-jitter=0ms");
  }

  @AfterAll
  static void stop() {
    simulator.close();
    wireMock.stop();
  }

  @BeforeEach
  void clean() throws Exception {
    wireMock.resetAll();
    wireMock.stubFor(post(urlPathMatching("/webhooks/.*")).willReturn(ok()));
    call("DELETE", "/simulator/behaviour", null);
    call("DELETE", "/simulator/inbox", null);
    call("GET", "/simulator/bench/interval", null); // the next interval starts now
    callbacksBefore = callbacksSent();
  }

  @Test
  void interval_countsSinceThePreviousCall_andDeliveredOncePerKey() throws Exception {
    send(TO, "m-1");
    send(TO, "m-2");
    awaitCallbacksSent(4);

    JsonNode first = json.readTree(call("GET", "/simulator/bench/interval", null).body());
    assertThat(first.get("accepted").asLong()).isEqualTo(2);
    assertThat(first.get("firstAttempts").asLong()).isEqualTo(2);
    assertThat(first.get("delivered").asLong()).isEqualTo(2);
    assertThat(first.get("millis").isNumber()).isTrue();

    send(TO, "m-1"); // a resend of an ACKed key: its ACK comes again
    awaitCallbacksSent(6);

    JsonNode second = json.readTree(call("GET", "/simulator/bench/interval", null).body());
    assertThat(second.get("accepted").asLong()).isEqualTo(1);
    assertThat(second.get("firstAttempts").asLong()).isZero();
    assertThat(second.get("delivered").asLong()).isZero();
  }

  @Test
  void firstAttempts_perRecipientInArrivalOrder_withTheTimesOfTheAck() throws Exception {
    call("PUT", "/simulator/behaviour", "{\"dropRecipientPrefix\": \"open-\"}");
    send(TO, "m-1");
    send(TO, "m-2");
    send("open-1", "m-3");
    awaitCallbacksSent(4);
    send(TO, "m-1"); // a resend is not a first attempt

    JsonNode all = firstAttempts("");

    assertThat(all.fieldNames()).toIterable().containsExactlyInAnyOrder(TO, "open-1");
    JsonNode room = all.get(TO);
    assertThat(room).extracting(a -> a.get("reference").asText()).containsExactly("m-1", "m-2");
    for (JsonNode attempt : room) {
      long at = attempt.get("atMicros").asLong();
      long ackSent = attempt.get("ackSentAtMicros").asLong();
      long acked = attempt.get("ackedAtMicros").asLong();
      // sent and delivered each wait >= 20 ms
      assertThat(ackSent).isGreaterThanOrEqualTo(at + 2 * CALLBACK_DELAY.toNanos() / 1_000);
      assertThat(acked).isGreaterThanOrEqualTo(ackSent);
    }
    assertThat(all.get("open-1").get(0).get("ackedAtMicros").isNull()).isTrue();

    JsonNode open = firstAttempts("open-");
    assertThat(open.fieldNames()).toIterable().containsExactly("open-1");
    assertThat(open.get("open-1")).extracting(a -> a.get("reference").asText())
        .containsExactly("m-3");
  }

  @Test
  void firstAttempts_theAckIsTheAttemptRelayAnswered2xx() throws Exception {
    wireMock.stubFor(post(urlEqualTo(WEBHOOK)).inScenario("flaky").whenScenarioStateIs(STARTED)
        .willReturn(ok()).willSetStateTo("down"));
    wireMock.stubFor(post(urlEqualTo(WEBHOOK)).inScenario("flaky").whenScenarioStateIs("down")
        .willReturn(serverError()).willSetStateTo("up"));
    wireMock.stubFor(post(urlEqualTo(WEBHOOK)).inScenario("flaky").whenScenarioStateIs("up")
        .willReturn(ok()));

    send(TO, "m-1");

    // sent (ok), delivered (503), delivered again after the backoff (ok)
    awaitCallbacksSent(2);
    List<LoggedRequest> callbacks = wireMock.findAll(postRequestedFor(urlEqualTo(WEBHOOK)))
        .stream().sorted(Comparator.comparing(LoggedRequest::getLoggedDate)).toList();
    assertThat(callbacks).hasSize(3);
    JsonNode attempt = firstAttempts("").get(TO).get(0);
    assertThat(attempt.get("ackSentAtMicros").asLong() / 1_000)
        .isGreaterThan(callbacks.get(1).getLoggedDate().toInstant().toEpochMilli())
        .isLessThanOrEqualTo(callbacks.get(2).getLoggedDate().toInstant().toEpochMilli());
  }

  @Test
  void clearingTheInbox_forgetsTheFirstAttempts() throws Exception {
    send(TO, "m-1");
    awaitCallbacksSent(2);

    call("DELETE", "/simulator/inbox", null);

    assertThat(firstAttempts("").isEmpty()).isTrue();
    send(TO, "m-1");
    awaitCallbacksSent(4);
    JsonNode again = firstAttempts("").get(TO);
    assertThat(again).hasSize(1);
    assertThat(again.get(0).get("ackedAtMicros").isNull()).isFalse();
  }

  private void send(String to, String key) throws Exception {
    HttpResponse<String> answer = http.send(HttpRequest.newBuilder(uri("/simulator/bench/messages"))
            .header("Authorization", "Bearer bench-token")
            .header("Idempotency-Key", key)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(
                "{\"to\":\"" + to + "\",\"body\":\"hi\",\"reference\":\"" + key + "\"}"))
            .build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
  }

  private JsonNode firstAttempts(String recipientPrefix) throws Exception {
    HttpResponse<String> answer = call("GET",
        "/simulator/bench/first-attempts?recipientPrefix=" + recipientPrefix, null);
    assertThat(answer.statusCode()).isEqualTo(200);
    return json.readTree(answer.body());
  }

  private long callbacksSent() throws Exception {
    return json.readTree(call("GET", "/simulator/stats", null).body()).get("callbacksSent")
        .asLong();
  }

  /** Waits until this test's callbacks answered 2xx number {@code n}. */
  private void awaitCallbacksSent(long n) {
    await().atMost(Duration.ofSeconds(10))
        .until(() -> callbacksSent() - callbacksBefore, sent -> sent >= n);
  }

  private HttpResponse<String> call(String method, String path, String body) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri(path))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static URI uri(String path) {
    int port = ((WebServerApplicationContext) simulator).getWebServer().getPort();
    return URI.create("http://localhost:" + port + path);
  }
}
