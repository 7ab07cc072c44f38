package dev.relay.receipt;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Users' devices (API.md §3, the calls Relay makes) as one WireMock server per JVM: device {@code
 * d} of user {@code u} is reached at {@code /devices/u/d}, so its push URL has a path of its own.
 * Every call is answered 200 unless a test scripts its own user's devices (user ids are unique
 * per test, so tests sharing the server do not disturb each other).
 */
final class DeviceStub {

  static final String RECEIPTS = "receipts";
  static final String RETRACT = "receipts/retract";
  static final String SYNC_FAILED = "sync-failed";

  private static final int OWN_ANSWER = 1;
  private static final int DEFAULT_ANSWER = 10;
  private static final DeviceStub INSTANCE = new DeviceStub();

  private final WireMockServer server;

  private DeviceStub() {
    server = new WireMockServer(options().dynamicPort());
    server.start();
    Runtime.getRuntime().addShutdownHook(new Thread(server::stop, "device-stub-stop"));
    server.stubFor(post(urlMatching("/devices/.*")).atPriority(DEFAULT_ANSWER).willReturn(status(200)));
  }

  static DeviceStub instance() {
    return INSTANCE;
  }

  String pushUrl(String userId, String deviceId) {
    return server.baseUrl() + devicePath(userId, deviceId);
  }

  /** Every call of this kind to this device gets this answer. */
  void answer(String userId, String deviceId, String call, ResponseDefinitionBuilder response) {
    server.stubFor(
        post(urlEqualTo(devicePath(userId, deviceId) + "/" + call)).atPriority(OWN_ANSWER).willReturn(response));
  }

  /**
   * Calls of this kind to any device of the user are answered in turn: the first gets {@code
   * first}, every later one {@code then}, whichever device it goes to.
   */
  void answerInTurn(String userId, String call, ResponseDefinitionBuilder first, ResponseDefinitionBuilder then) {
    String scenario = call + " of " + userId;
    String url = Pattern.quote(devicePath(userId, "")) + "[^/]+/" + Pattern.quote(call);
    server.stubFor(
        post(urlMatching(url))
            .atPriority(OWN_ANSWER)
            .inScenario(scenario)
            .whenScenarioStateIs(STARTED)
            .willSetStateTo("answered once")
            .willReturn(first));
    server.stubFor(
        post(urlMatching(url))
            .atPriority(OWN_ANSWER)
            .inScenario(scenario)
            .whenScenarioStateIs("answered once")
            .willReturn(then));
  }

  /** The calls of this kind the device received, oldest first, with the status it answered. */
  List<Call> calls(String userId, String deviceId, String call) {
    String url = devicePath(userId, deviceId) + "/" + call;
    return server.getAllServeEvents().stream()
        .filter(event -> event.getRequest().getUrl().equals(url))
        .map(
            event ->
                new Call(
                    event.getRequest().getBodyAsString(),
                    event.getRequest().getHeader("Content-Type"),
                    event.getRequest().getLoggedDate().toInstant(),
                    event.getResponse().getStatus()))
        .sorted(Comparator.comparing(Call::at))
        .toList();
  }

  static ResponseDefinitionBuilder status(int status) {
    return aResponse().withStatus(status);
  }

  record Call(String body, String contentType, Instant at, int status) {}

  private static String devicePath(String userId, String deviceId) {
    return "/devices/" + userId + "/" + deviceId;
  }
}
