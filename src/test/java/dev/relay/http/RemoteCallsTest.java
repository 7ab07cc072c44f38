package dev.relay.http;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.http.Fault;
import feign.Headers;
import feign.RequestLine;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** How every remote call of Relay is made and how its failures are sorted, against WireMock. */
class RemoteCallsTest {

  interface ThingApi {
    @RequestLine("POST /things")
    @Headers("Content-Type: application/json")
    Answer post(Thing thing);

    @RequestLine("POST /things")
    @Headers("Content-Type: application/json")
    void push(Thing thing);
  }

  record Thing(String name) {}

  record Answer(String id) {}

  private static WireMockServer wireMock;

  /** Generous: a busy machine must not turn an answer into a timeout. */
  private final RemoteCalls calls =
      new RemoteCalls("thing service", Duration.ofSeconds(10), new ObjectMapper());
  private ThingApi api;

  @BeforeAll
  static void startWireMock() {
    wireMock = new WireMockServer(options().dynamicPort());
    wireMock.start();
  }

  @AfterAll
  static void stopWireMock() {
    wireMock.stop();
  }

  @BeforeEach
  void setUp() {
    wireMock.resetAll();
    api = calls.feign().target(ThingApi.class, wireMock.baseUrl());
  }

  @Test
  void answer2xx_isDecoded_fromTheJsonThatWasSent() {
    wireMock.stubFor(post("/things").willReturn(aResponse().withStatus(200)
        .withHeader("Content-Type", "application/json").withBody("{\"id\": \"t-1\"}")));

    assertThat(calls.call(() -> api.post(new Thing("cup")))).isEqualTo(new Answer("t-1"));
    wireMock.verify(postRequestedFor(urlEqualTo("/things"))
        .withRequestBody(equalToJson("{\"name\": \"cup\"}")));
  }

  @ParameterizedTest
  @ValueSource(ints = {429, 500, 502, 503})
  void tooManyRequestsAndServerErrors_areTransient_triedOnce(int status) {
    wireMock.stubFor(post("/things").willReturn(aResponse().withStatus(status).withBody("busy")));

    RemoteCallException failed = failure(() -> api.post(new Thing("cup")));

    assertThat(failed.isTransient()).isTrue();
    assertThat(failed).hasMessage("thing service answered " + status + ": busy");
    assertThat(failed.retryAfter()).isEmpty();
    wireMock.verify(1, postRequestedFor(urlEqualTo("/things"))); // Feign never retries
  }

  @Test
  void retryAfterInSeconds_isKept_otherFormsAreNot() {
    wireMock.stubFor(post("/things").willReturn(aResponse().withStatus(429)
        .withHeader("Retry-After", "7")));
    assertThat(failure(() -> api.post(new Thing("cup"))).retryAfter())
        .hasValue(Duration.ofSeconds(7));

    wireMock.stubFor(post("/things").willReturn(aResponse().withStatus(503)
        .withHeader("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT")));
    assertThat(failure(() -> api.post(new Thing("cup"))).retryAfter()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(ints = {400, 401, 404, 410, 422})
  void otherAnswers_areFinal_withTheStartOfTheBody(int status) {
    wireMock.stubFor(post("/things").willReturn(aResponse().withStatus(status)
        .withHeader("Retry-After", "7").withBody("no" + "!".repeat(400))));

    RemoteCallException failed = failure(() -> api.push(new Thing("cup")));

    assertThat(failed.isTransient()).as(failed.getMessage()).isFalse();
    assertThat(failed.retryAfter()).isEmpty();
    assertThat(failed.getMessage())
        .isEqualTo("thing service answered " + status + ": no" + "!".repeat(298));
  }

  @Test
  void redirect_isNotFollowed_andFinal() {
    wireMock.stubFor(post("/things").willReturn(aResponse().withStatus(302)
        .withHeader("Location", wireMock.baseUrl() + "/elsewhere")));

    RemoteCallException failed = failure(() -> api.push(new Thing("cup")));

    assertThat(failed.isTransient()).isFalse();
    assertThat(failed).hasMessageStartingWith("thing service answered 302");
  }

  @Test
  void connectionRefused_isTransient() throws IOException {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    ThingApi nobody = calls.feign().target(ThingApi.class, "http://localhost:" + closedPort);

    RemoteCallException failed = failure(() -> nobody.post(new Thing("cup")));

    assertThat(failed.isTransient()).isTrue();
    assertThat(failed).hasMessageStartingWith("thing service unreachable: ");
  }

  @Test
  void noAnswerWithinTheTimeout_isTransient() {
    RemoteCalls impatient = new RemoteCalls("thing service", Duration.ofMillis(200), new ObjectMapper());
    ThingApi slow = impatient.feign().target(ThingApi.class, wireMock.baseUrl());
    wireMock.stubFor(post("/things").willReturn(aResponse().withStatus(200).withFixedDelay(2_000)));

    RemoteCallException failed = catchThrowableOfType(RemoteCallException.class,
        () -> impatient.call(() -> slow.post(new Thing("cup"))));

    assertThat(failed.isTransient()).isTrue();
    assertThat(failed).hasMessageStartingWith("thing service unreachable: ");
  }

  @Test
  void brokenConnection_isTransient() {
    wireMock.stubFor(post("/things").willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));

    assertThat(failure(() -> api.post(new Thing("cup"))).isTransient()).isTrue();
  }

  @Test
  void answer2xxThatIsNotTheExpectedJson_isTransient() {
    wireMock.stubFor(post("/things").willReturn(aResponse().withStatus(200)
        .withHeader("Content-Type", "application/json").withBody("{\"id\": ")));

    RemoteCallException failed = failure(() -> api.post(new Thing("cup")));

    assertThat(failed.isTransient()).isTrue();
    assertThat(failed).hasMessageStartingWith("thing service answer not understood: ");
  }

  private RemoteCallException failure(Runnable call) {
    RemoteCallException failed = catchThrowableOfType(RemoteCallException.class, () -> calls.run(call));
    assertThat(failed).as("the call should have failed").isNotNull();
    return failed;
  }
}
