package dev.relay.simulator;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
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
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.delete;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.put;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.relay.webhook.WebhookSignature;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.ResultActions;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import org.springframework.test.web.servlet.request.MockMvcRequestBuilders;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;

/**
 * The simulator's HTTP behaviour, with its real beans behind a standalone MockMvc and WireMock
 * standing in for Relay's webhook.
 */
class SimulatorControllerTest {

  private static final String SECRET = "test-secret";
  private static final String SMS_SECRET = "sms-test-secret";
  private static final String TO = "+15550100";
  private static final String WEBHOOK = "/webhooks/whatsapp";
  private static final Duration CALLBACK_DELAY = Duration.ofMillis(20);

  private static WireMockServer wireMock;

  private final ObjectMapper json = new ObjectMapper();
  private SimulatorBehaviour behaviour;
  private SimulatorStats stats;
  private CallbackSender sender;
  private ProviderSimulator simulator;
  private MockMvc mvc;
  private RecordingListener listener;

  /** What a {@link SimulatorListener} is told, as text in the order it was told. */
  private static final class RecordingListener implements SimulatorListener {
    final List<String> told = new CopyOnWriteArrayList<>();

    @Override
    public void accepted(String to, InboxEntry entry) {
      told.add("accepted " + to + " " + entry.idempotencyKey() + " attempt " + entry.attempt());
    }

    @Override
    public void acknowledged(InboxEntry entry, Instant sentAt, Instant answeredAt) {
      told.add("acknowledged " + entry.idempotencyKey() + " attempt " + entry.attempt());
    }

    @Override
    public void inboxCleared() {
      told.add("inbox cleared");
    }
  }

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
    wireMock.stubFor(post(urlPathMatching("/webhooks/.*")).willReturn(ok()));
    // small fixed delays keep the test fast; distinct milliseconds keep arrival order visible
    behaviour =
        new SimulatorBehaviour(
            new SimulatorBehaviour.Settings(wireMock.baseUrl() + "/webhooks/{channel}", SECRET,
                Map.of("sms", SMS_SECRET), CALLBACK_DELAY, Duration.ZERO, CALLBACK_DELAY, 0, 0, 0, 0, 0, 0, 0, 1, null));
    useBatchWindow(Duration.ZERO);
  }

  private void useBatchWindow(Duration window) {
    if (sender != null) {
      sender.close();
    }
    stats = new SimulatorStats();
    SimulatorInbox inbox = new SimulatorInbox();
    listener = new RecordingListener();
    SimulatorListeners listeners = new SimulatorListeners(List.of(listener));
    sender = new CallbackSender(stats, listeners, Clock.systemUTC(), 3, Duration.ofMillis(20), window, 2);
    simulator = new ProviderSimulator(
        behaviour, inbox, stats, listeners, new CallbackPlanner(), sender, Clock.systemUTC());
    mvc = MockMvcBuilders.standaloneSetup(
            new SimulatorController(simulator, behaviour, inbox, stats, listeners))
        .build();
  }

  @AfterEach
  void tearDown() {
    sender.close();
    sender = null;
  }

  // --- provider endpoint -------------------------------------------------------------------

  @Test
  void sameIdempotencyKey_sameId_andTheInboxShowsEachAttempt() throws Exception {
    String first = acceptedId(send("m-1", "m-1", "hello"));
    String second = acceptedId(send("m-1", "m-1", "hello"));
    String other = acceptedId(send("m-2", "m-2", "again"));

    assertThat(first).startsWith("whatsapp-").isEqualTo(second);
    assertThat(other).isNotEqualTo(first);

    mvc.perform(get("/simulator/inbox/{to}", TO))
        .andExpect(status().isOk())
        .andExpect(jsonPath("$.length()").value(3))
        .andExpect(jsonPath("$[0].reference").value("m-1"))
        .andExpect(jsonPath("$[0].idempotencyKey").value("m-1"))
        .andExpect(jsonPath("$[0].body").value("hello"))
        .andExpect(jsonPath("$[0].providerMessageId").value(first))
        .andExpect(jsonPath("$[0].attempt").value(1))
        .andExpect(jsonPath("$[1].providerMessageId").value(first))
        .andExpect(jsonPath("$[1].attempt").value(2))
        .andExpect(jsonPath("$[2].reference").value("m-2"))
        .andExpect(jsonPath("$[2].attempt").value(1));
    JsonNode inbox = json.readTree(
        mvc.perform(get("/simulator/inbox/{to}", TO)).andReturn().getResponse().getContentAsString());
    Instant received = Instant.parse(inbox.get(0).get("receivedAt").asText());
    assertThat(received).isBefore(Instant.now().plusSeconds(1));
    assertThat(stats.snapshot().accepted()).isEqualTo(3);
  }

  @Test
  void unknownRecipient_emptyInbox() throws Exception {
    mvc.perform(get("/simulator/inbox/{to}", "+19990000"))
        .andExpect(status().isOk())
        .andExpect(content().json("[]"));
  }

  @Test
  void sameKeyOnAnotherChannel_isAnotherMessage() throws Exception {
    String whatsapp = acceptedId(send("m-1", "m-1", "hi"));
    String sms = acceptedId(mvc.perform(request("sms", "m-1", "{\"to\":\"" + TO
        + "\",\"body\":\"hi\",\"reference\":\"m-1\"}")));

    assertThat(sms).startsWith("sms-").isNotEqualTo(whatsapp);
  }

  @Test
  void missingOrMalformedAuthorization_is401_andNothingIsAccepted() throws Exception {
    String body = body("m-1", "hi");
    mvc.perform(MockMvcRequestBuilders.post("/simulator/whatsapp/messages")
            .header("Idempotency-Key", "m-1")
            .contentType(MediaType.APPLICATION_JSON)
            .content(body))
        .andExpect(status().isUnauthorized())
        .andExpect(header().string("WWW-Authenticate", "Bearer"))
        .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
        .andExpect(jsonPath("$.status").value(401));
    mvc.perform(MockMvcRequestBuilders.post("/simulator/whatsapp/messages")
            .header("Authorization", "Basic dXNlcjpwdw==")
            .header("Idempotency-Key", "m-1")
            .contentType(MediaType.APPLICATION_JSON)
            .content(body))
        .andExpect(status().isUnauthorized());
    mvc.perform(MockMvcRequestBuilders.post("/simulator/whatsapp/messages")
            .header("Authorization", "Bearer ")
            .header("Idempotency-Key", "m-1")
            .contentType(MediaType.APPLICATION_JSON)
            .content(body))
        .andExpect(status().isUnauthorized());

    assertNothingAccepted();
  }

  @Test
  void missingIdempotencyKey_orMissingFields_orMalformedJson_is400() throws Exception {
    mvc.perform(MockMvcRequestBuilders.post("/simulator/whatsapp/messages")
            .header("Authorization", "Bearer token")
            .contentType(MediaType.APPLICATION_JSON)
            .content(body("m-1", "hi")))
        .andExpect(status().isBadRequest())
        .andExpect(jsonPath("$.detail").value("the Idempotency-Key header is required"));
    mvc.perform(request("whatsapp", "m-1", "{\"body\":\"hi\",\"reference\":\"m-1\"}"))
        .andExpect(status().isBadRequest())
        .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON));
    mvc.perform(request("whatsapp", "m-1", "{\"to\":\"" + TO + "\",\"body\":\"hi\"}"))
        .andExpect(status().isBadRequest());
    mvc.perform(request("whatsapp", "m-1", "{\"to\":"))
        .andExpect(status().isBadRequest())
        .andExpect(jsonPath("$.detail").value("malformed JSON body"));
    mvc.perform(MockMvcRequestBuilders.post("/simulator/whatsapp/messages")
            .header("Authorization", "Bearer token")
            .header("Idempotency-Key", "m-1")
            .contentType(MediaType.APPLICATION_JSON))
        .andExpect(status().isBadRequest());

    assertNothingAccepted();
  }

  @Test
  void serverErrorRateOne_503_andNothingInTheInbox() throws Exception {
    behaviour.update(Map.of("serverErrorRate", 1));

    send("m-1", "m-1", "hi")
        .andExpect(status().isServiceUnavailable())
        .andExpect(jsonPath("$.status").value(503));

    assertThat(stats.snapshot().rejected5xx()).isEqualTo(1);
    assertNothingAccepted();
    assertNoCallbackFor(Duration.ofMillis(200));
  }

  @Test
  void tooManyRequestsRateOne_429WithRetryAfter_andNothingInTheInbox() throws Exception {
    behaviour.update(Map.of("tooManyRequestsRate", 1));

    send("m-1", "m-1", "hi")
        .andExpect(status().isTooManyRequests())
        .andExpect(header().string("Retry-After", "1"));
    behaviour.update(Map.of("retryAfterSeconds", 7));
    send("m-1", "m-1", "hi")
        .andExpect(status().isTooManyRequests())
        .andExpect(header().string("Retry-After", "7"));

    assertThat(stats.snapshot().rejected429()).isEqualTo(2);
    assertNothingAccepted();
    assertNoCallbackFor(Duration.ofMillis(200));
  }

  @Test
  void afterAnOutage_theSameKeyIsAcceptedAsAttemptOne() throws Exception {
    behaviour.update(Map.of("serverErrorRate", 1));
    send("m-1", "m-1", "hi").andExpect(status().isServiceUnavailable());
    behaviour.update(Map.of("serverErrorRate", 0));

    acceptedId(send("m-1", "m-1", "hi"));

    mvc.perform(get("/simulator/inbox/{to}", TO))
        .andExpect(jsonPath("$.length()").value(1))
        .andExpect(jsonPath("$[0].attempt").value(1));
  }

  // --- callbacks ---------------------------------------------------------------------------

  @Test
  void callbacks_sentThenDelivered_signedOverTheExactBytes() throws Exception {
    String id = acceptedId(send("m-1", "m-1", "hello"));

    List<LoggedRequest> callbacks = awaitCallbacks(2);

    assertThat(statusesOf(callbacks)).containsExactly("sent", "delivered");
    for (LoggedRequest callback : callbacks) {
      assertThat(callback.getHeader("Content-Type")).isEqualTo("application/json");
      assertThat(callback.getHeader(WebhookSignature.HEADER))
          .isEqualTo(WebhookSignature.sign(callback.getBody(), SECRET))
          .matches("sha256=[0-9a-f]{64}");
      JsonNode root = json.readTree(callback.getBody());
      assertThat(root.fieldNames()).toIterable().containsExactly("statuses");
      assertThat(root.get("statuses")).hasSize(1);
      JsonNode status = root.get("statuses").get(0);
      assertThat(status.get("id").asText()).isEqualTo(id);
      assertThat(status.get("reference").asText()).isEqualTo("m-1");
      assertThat(Instant.parse(status.get("timestamp").asText()))
          .isBefore(Instant.now().plusSeconds(1));
    }
    await().untilAsserted(() -> assertThat(stats.snapshot().callbacksSent()).isEqualTo(2));
  }

  @Test
  void batchWindow_statusesOfSeveralMessagesShareSignedRequests_eachMessageInItsOrder()
      throws Exception {
    useBatchWindow(Duration.ofMillis(200));
    List<String> ids = new java.util.ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      ids.add(acceptedId(send("batch-" + i, "batch-" + i, "hi")));
    }

    // five sent, then five delivered: all sent within one window, so they share requests
    await().atMost(Duration.ofSeconds(10)).until(() -> statusesIn(requestsTo(WEBHOOK)).size() >= 10);
    List<LoggedRequest> requests = requestsTo(WEBHOOK);
    List<JsonNode> statuses = statusesIn(requests);
    assertThat(statuses).hasSize(10);
    assertThat(requests.size()).isLessThan(10);
    for (LoggedRequest request : requests) {
      assertThat(request.getHeader(WebhookSignature.HEADER))
          .isEqualTo(WebhookSignature.sign(request.getBody(), SECRET));
    }
    for (String id : ids) {
      assertThat(statuses.stream().filter(s -> s.get("id").asText().equals(id)).map(s -> s.get("status").asText()))
          .containsExactly("sent", "delivered");
    }
    await().untilAsserted(() -> assertThat(stats.snapshot().callbacksSent()).isEqualTo(10));
    assertThat(listener.told).filteredOn(told -> told.startsWith("acknowledged")).hasSize(5);
  }

  @Test
  void channelWithASecretOfItsOwn_signsWithIt_theOthersWithTheDefault() throws Exception {
    acceptedId(mvc.perform(request("sms", "m-1", body("m-1", "hi"))));
    acceptedId(send("m-2", "m-2", "hi"));

    await().until(() -> wireMock.findAll(postRequestedFor(urlPathMatching("/webhooks/.*"))).size()
        >= 4);
    assertThat(wireMock.findAll(postRequestedFor(urlEqualTo("/webhooks/sms"))))
        .hasSize(2)
        .allSatisfy(c -> assertThat(WebhookSignature.matches(c.getBody(), SMS_SECRET,
            c.getHeader(WebhookSignature.HEADER))).isTrue());
    assertThat(wireMock.findAll(postRequestedFor(urlEqualTo(WEBHOOK))))
        .hasSize(2)
        .allSatisfy(c -> assertThat(WebhookSignature.matches(c.getBody(), SECRET,
            c.getHeader(WebhookSignature.HEADER))).isTrue());
  }

  @Test
  void earlyRateOne_deliveredHasArrivedBeforeThePostReturns() throws Exception {
    behaviour.update(Map.of("earlyRate", 1, "callbackDelay", "300ms"));

    String id = acceptedId(send("m-1", "m-1", "hi"));

    // no waiting: MockMvc returned only after the handler did, and the handler answered after
    // the webhook had answered the delivered callback
    List<LoggedRequest> arrived = wireMock.findAll(postRequestedFor(urlEqualTo(WEBHOOK))).stream()
        .sorted(Comparator.comparing(LoggedRequest::getLoggedDate))
        .toList();
    assertThat(arrived).isNotEmpty(); // sent is due 300 ms later; a slow machine may see it too
    JsonNode status = json.readTree(arrived.get(0).getBody()).get("statuses").get(0);
    assertThat(status.get("status").asText()).isEqualTo("delivered");
    assertThat(status.get("id").asText()).isEqualTo(id);
    // sent follows in the background, after the delivered one
    assertThat(statusesOf(awaitCallbacks(2))).containsExactly("delivered", "sent");
  }

  @Test
  void earlyCallbackThatFails_isRetriedInTheBackground_andTheMessageIsStillAccepted()
      throws Exception {
    behaviour.update(Map.of("earlyRate", 1));
    wireMock.stubFor(post(urlEqualTo(WEBHOOK)).inScenario("early").whenScenarioStateIs(STARTED)
        .willReturn(serverError()).willSetStateTo("up"));
    wireMock.stubFor(post(urlEqualTo(WEBHOOK)).inScenario("early").whenScenarioStateIs("up")
        .willReturn(ok()));

    send("m-1", "m-1", "hi").andExpect(status().isOk());

    assertThat(statusesOf(awaitCallbacks(3))).containsExactly("delivered", "delivered", "sent");
    await().untilAsserted(() -> assertThat(stats.snapshot().callbacksSent()).isEqualTo(2));
    assertThat(stats.snapshot().callbacksFailed()).isZero();
  }

  @Test
  void dropRateOne_acceptedButNeverAcked() throws Exception {
    behaviour.update(Map.of("dropRate", 1));

    acceptedId(send("m-1", "m-1", "hi"));

    assertNoCallbackFor(Duration.ofMillis(300));
    assertThat(stats.snapshot().dropped()).isEqualTo(1);
    assertThat(stats.snapshot().accepted()).isEqualTo(1);
  }

  @Test
  void dropRecipientPrefix_thoseRecipientsGetNoCallback_othersDo() throws Exception {
    behaviour.update(Map.of("dropRecipientPrefix", "open-"));

    acceptedId(sendTo("open-1", "m-1"));
    String id = acceptedId(sendTo(TO, "m-2"));

    assertThat(awaitCallbacks(2)).allSatisfy(c -> assertThat(idOf(c)).isEqualTo(id));
    assertThat(stats.snapshot().dropped()).isEqualTo(1);
    assertThat(stats.snapshot().accepted()).isEqualTo(2);
  }

  @Test
  void severalCallbackUrls_eachAttemptGoesToOneOfThem() throws Exception {
    wireMock.stubFor(post(urlPathMatching("/node-2/webhooks/.*")).willReturn(ok()));
    behaviour.update(Map.of("callbackUrl", wireMock.baseUrl() + "/webhooks/{channel}, "
        + wireMock.baseUrl() + "/node-2/webhooks/{channel}"));

    for (int i = 1; i <= 10; i++) {
      acceptedId(send("several-" + i, "several-" + i, "hi"));
    }

    // 20 callbacks, each to one node: all on one node has a chance of 2 in 2^20 (counted by
    // reference: a callback of an earlier test may still arrive)
    await().untilAsserted(
        () -> assertThat(callbacksOfSeveral(WEBHOOK) + callbacksOfSeveral("/node-2" + WEBHOOK)).isEqualTo(20));
    int first = callbacksOfSeveral(WEBHOOK);
    int second = callbacksOfSeveral("/node-2" + WEBHOOK);
    assertThat(first + second).isEqualTo(20);
    assertThat(first).isPositive();
    assertThat(second).isPositive();
  }

  @Test
  void duplicateReorderAndRead_arriveInThePlannedOrder() throws Exception {
    behaviour.update(Map.of("duplicateRate", 1, "reorderRate", 1, "readRate", 1));

    String id = acceptedId(send("m-1", "m-1", "hi"));

    List<LoggedRequest> callbacks = awaitCallbacks(4);
    assertThat(statusesOf(callbacks)).containsExactly("delivered", "delivered", "sent", "read");
    assertThat(callbacks).allSatisfy(c -> assertThat(idOf(c)).isEqualTo(id));
  }

  @Test
  void resendOfAnAcknowledgedKey_getsItsCallbacksAgain() throws Exception {
    String id = acceptedId(send("m-1", "m-1", "hi"));
    awaitCallbacks(2);

    assertThat(acceptedId(send("m-1", "m-1", "hi"))).isEqualTo(id);

    List<LoggedRequest> callbacks = awaitCallbacks(4);
    assertThat(statusesOf(callbacks)).containsExactly("sent", "delivered", "sent", "delivered");
  }

  @Test
  void callbackAnswered5xx_isRetried() throws Exception {
    wireMock.stubFor(post(urlEqualTo(WEBHOOK)).inScenario("flaky").whenScenarioStateIs(STARTED)
        .willReturn(aResponse().withStatus(503)).willSetStateTo("up"));
    wireMock.stubFor(post(urlEqualTo(WEBHOOK)).inScenario("flaky").whenScenarioStateIs("up")
        .willReturn(ok()));

    acceptedId(send("m-1", "m-1", "hi"));

    assertThat(statusesOf(awaitCallbacks(3))).containsExactly("sent", "sent", "delivered");
    await().untilAsserted(() -> assertThat(stats.snapshot().callbacksSent()).isEqualTo(2));
    // a retry resends the same event: same bytes, same signature
    List<LoggedRequest> callbacks = awaitCallbacks(3);
    assertThat(callbacks.get(1).getBodyAsString()).isEqualTo(callbacks.get(0).getBodyAsString());
  }

  @Test
  void callbackThatKeepsFailing_isGivenUpAfterTheLastAttempt() throws Exception {
    wireMock.stubFor(post(urlEqualTo(WEBHOOK)).willReturn(serverError()));

    acceptedId(send("m-1", "m-1", "hi"));

    // 3 attempts for sent, then 3 for delivered: each is given up, the next still goes
    await().untilAsserted(() -> assertThat(stats.snapshot().callbacksFailed()).isEqualTo(2));
    assertThat(statusesOf(awaitCallbacks(6)))
        .containsExactly("sent", "sent", "sent", "delivered", "delivered", "delivered");
    assertThat(stats.snapshot().callbacksSent()).isZero();
  }

  @Test
  void unreachableWebhook_isGivenUp() throws Exception {
    behaviour.update(Map.of("callbackUrl", "http://127.0.0.1:1/webhooks/{channel}"));

    acceptedId(send("m-1", "m-1", "hi"));

    await().untilAsserted(() -> assertThat(stats.snapshot().callbacksFailed()).isEqualTo(2));
  }

  @Test
  void portPlaceholder_isTheLocalServerPort() throws Exception {
    behaviour.update(Map.of("callbackUrl", "http://localhost:{port}/webhooks/{channel}"));
    simulator.localPort(wireMock.port());

    acceptedId(send("m-1", "m-1", "hi"));

    assertThat(statusesOf(awaitCallbacks(2))).containsExactly("sent", "delivered");
  }

  // --- listeners -------------------------------------------------------------------------

  @Test
  void listener_isToldOfEachAcceptance_eachAckRelayAnswered2xx_andTheClearedInbox()
      throws Exception {
    behaviour.update(Map.of("readRate", 1));
    wireMock.stubFor(post(urlEqualTo(WEBHOOK)).inScenario("flaky").whenScenarioStateIs(STARTED)
        .willReturn(ok()).willSetStateTo("down"));
    wireMock.stubFor(post(urlEqualTo(WEBHOOK)).inScenario("flaky").whenScenarioStateIs("down")
        .willReturn(serverError()).willSetStateTo("up"));
    wireMock.stubFor(post(urlEqualTo(WEBHOOK)).inScenario("flaky").whenScenarioStateIs("up")
        .willReturn(ok()));

    acceptedId(send("m-1", "m-1", "hi"));
    // sent (ok), delivered (503), delivered again (ok), read (ok)
    await().untilAsserted(() -> assertThat(stats.snapshot().callbacksSent()).isEqualTo(3));
    behaviour.update(Map.of("dropRate", 1)); // the resend gets no callbacks that could interleave
    acceptedId(send("m-1", "m-1", "hi"));
    mvc.perform(delete("/simulator/inbox")).andExpect(status().isNoContent());

    assertThat(listener.told).containsExactly(
        "accepted " + TO + " m-1 attempt 1",
        "acknowledged m-1 attempt 1", // the delivered that got its 2xx; sent is no ACK
        "acknowledged m-1 attempt 1", // read
        "accepted " + TO + " m-1 attempt 2",
        "inbox cleared");
  }

  // --- controls ----------------------------------------------------------------------------

  @Test
  void behaviour_getShowsTheSettingsButNotTheSecret() throws Exception {
    mvc.perform(get("/simulator/behaviour"))
        .andExpect(status().isOk())
        .andExpect(jsonPath("$.callbackUrl").value(wireMock.baseUrl() + "/webhooks/{channel}"))
        .andExpect(jsonPath("$.callbackDelay").value("PT0.02S"))
        .andExpect(jsonPath("$.dropRate").value(0.0))
        .andExpect(jsonPath("$.retryAfterSeconds").value(1))
        .andExpect(jsonPath("$.webhookSecret").doesNotExist());
  }

  @Test
  void behaviour_putIsAPartialUpdate_andDeleteResets() throws Exception {
    mvc.perform(put("/simulator/behaviour")
            .contentType(MediaType.APPLICATION_JSON)
            .content("{\"dropRate\": 1, \"callbackJitter\": \"50ms\"}"))
        .andExpect(status().isOk())
        .andExpect(jsonPath("$.dropRate").value(1.0))
        .andExpect(jsonPath("$.callbackJitter").value("PT0.05S"))
        .andExpect(jsonPath("$.callbackDelay").value("PT0.02S"));
    assertThat(behaviour.current().dropRate()).isEqualTo(1.0);

    mvc.perform(delete("/simulator/behaviour"))
        .andExpect(status().isOk())
        .andExpect(jsonPath("$.dropRate").value(0.0));
    assertThat(behaviour.current().dropRate()).isZero();
  }

  @Test
  void behaviour_invalidPut_is400_andChangesNothing() throws Exception {
    SimulatorBehaviour.Settings before = behaviour.current();

    mvc.perform(put("/simulator/behaviour")
            .contentType(MediaType.APPLICATION_JSON)
            .content("{\"dropRate\": 1.5}"))
        .andExpect(status().isBadRequest())
        .andExpect(jsonPath("$.detail").value("dropRate must be between 0 and 1"));
    mvc.perform(put("/simulator/behaviour")
            .contentType(MediaType.APPLICATION_JSON)
            .content("{\"earlyRate\": 1, \"dropRat\": 1}"))
        .andExpect(status().isBadRequest());

    assertThat(behaviour.current()).isEqualTo(before);
  }

  @Test
  void stats_countEveryOutcome() throws Exception {
    acceptedId(send("m-1", "m-1", "hi"));
    behaviour.update(Map.of("serverErrorRate", 1));
    send("m-2", "m-2", "hi");
    behaviour.update(Map.of("serverErrorRate", 0, "tooManyRequestsRate", 1));
    send("m-3", "m-3", "hi");
    behaviour.update(Map.of("tooManyRequestsRate", 0, "dropRate", 1));
    acceptedId(send("m-4", "m-4", "hi"));
    await().untilAsserted(() -> assertThat(stats.snapshot().callbacksSent()).isEqualTo(2));

    mvc.perform(get("/simulator/stats"))
        .andExpect(status().isOk())
        .andExpect(content().json("""
            {"accepted": 2, "rejected5xx": 1, "rejected429": 1,
             "callbacksSent": 2, "callbacksFailed": 0, "dropped": 1}""", true));
  }

  @Test
  void deleteInbox_forgetsInboxesAndKeys() throws Exception {
    String before = acceptedId(send("m-1", "m-1", "hi"));

    mvc.perform(delete("/simulator/inbox")).andExpect(status().isNoContent());

    mvc.perform(get("/simulator/inbox/{to}", TO)).andExpect(content().json("[]"));
    String after = acceptedId(send("m-1", "m-1", "hi"));
    assertThat(after).isNotEqualTo(before);
    mvc.perform(get("/simulator/inbox/{to}", TO)).andExpect(jsonPath("$[0].attempt").value(1));
  }

  // --- helpers -----------------------------------------------------------------------------

  private static String body(String reference, String text) {
    return body(TO, reference, text);
  }

  private static String body(String to, String reference, String text) {
    return "{\"to\":\"" + to + "\",\"body\":\"" + text + "\",\"reference\":\"" + reference + "\"}";
  }

  private static MockHttpServletRequestBuilder request(String channel, String key, String body) {
    return MockMvcRequestBuilders.post("/simulator/{channel}/messages", channel)
        .header("Authorization", "Bearer demo-token")
        .header("Idempotency-Key", key)
        .contentType(MediaType.APPLICATION_JSON)
        .content(body);
  }

  private ResultActions send(String key, String reference, String text) throws Exception {
    return mvc.perform(request("whatsapp", key, body(reference, text)));
  }

  private ResultActions sendTo(String to, String key) throws Exception {
    return mvc.perform(request("whatsapp", key, body(to, key, "hi")));
  }

  private int callbacksOfSeveral(String url) {
    return wireMock
        .findAll(postRequestedFor(urlEqualTo(url)).withRequestBody(containing("\"several-")))
        .size();
  }

  private String acceptedId(ResultActions result) throws Exception {
    String answer =
        result.andExpect(status().isOk()).andReturn().getResponse().getContentAsString();
    return json.readTree(answer).get("id").asText();
  }

  /** Waits until at least {@code n} callbacks arrived; returns all of them in arrival order. */
  private List<LoggedRequest> awaitCallbacks(int n) {
    await().atMost(Duration.ofSeconds(10)).until(
        () -> wireMock.findAll(postRequestedFor(urlEqualTo(WEBHOOK))).size() >= n);
    // callbacks of one message are sent one after the other, >= 20 ms apart
    return wireMock.findAll(postRequestedFor(urlEqualTo(WEBHOOK))).stream()
        .sorted(Comparator.comparing(LoggedRequest::getLoggedDate))
        .toList();
  }

  private List<LoggedRequest> requestsTo(String url) {
    return wireMock.findAll(postRequestedFor(urlEqualTo(url))).stream()
        .sorted(Comparator.comparing(LoggedRequest::getLoggedDate))
        .toList();
  }

  /** Every status of the requests, in the order they carried them. */
  private List<JsonNode> statusesIn(List<LoggedRequest> requests) throws Exception {
    List<JsonNode> statuses = new java.util.ArrayList<>();
    for (LoggedRequest request : requests) {
      json.readTree(request.getBody()).get("statuses").forEach(statuses::add);
    }
    return statuses;
  }

  private List<String> statusesOf(List<LoggedRequest> callbacks) throws Exception {
    List<String> statuses = new java.util.ArrayList<>();
    for (LoggedRequest c : callbacks) {
      statuses.add(json.readTree(c.getBody()).get("statuses").get(0).get("status").asText());
    }
    return statuses;
  }

  private String idOf(LoggedRequest callback) {
    try {
      return json.readTree(callback.getBody()).get("statuses").get(0).get("id").asText();
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private void assertNothingAccepted() throws Exception {
    mvc.perform(get("/simulator/inbox/{to}", TO)).andExpect(content().json("[]"));
    assertThat(stats.snapshot().accepted()).isZero();
  }

  private void assertNoCallbackFor(Duration quiet) {
    await().during(quiet).atMost(quiet.plusSeconds(2)).until(
        () -> wireMock.findAll(postRequestedFor(urlPathMatching("/webhooks/.*"))).isEmpty());
  }
}
