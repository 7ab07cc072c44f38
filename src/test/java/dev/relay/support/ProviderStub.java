package dev.relay.support;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.extension.Parameters;
import com.github.tomakehurst.wiremock.extension.ServeEventListener;
import com.github.tomakehurst.wiremock.matching.RequestPatternBuilder;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import java.net.URI;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;

/**
 * The channel's provider (API.md §4) as a WireMock server, one per JVM so that every cached
 * Spring context can point at it. By default it accepts every message and answers the id {@link
 * #providerId}; a test changes the answers for its own message ids only (they are unique), so
 * tests and contexts sharing the server do not disturb each other.
 */
public final class ProviderStub {

  public static final String IDEMPOTENCY_KEY = "Idempotency-Key";
  private static final String MESSAGES = "/messages";
  private static final int OWN_ANSWER = 1;
  private static final int DEFAULT_ANSWER = 10;

  private static final ProviderStub INSTANCE = new ProviderStub();

  private final AckBeforeAnswer ackBeforeAnswer = new AckBeforeAnswer();
  private final WireMockServer server;

  private ProviderStub() {
    server = new WireMockServer(options().dynamicPort().extensions(ackBeforeAnswer));
    server.start();
    Runtime.getRuntime().addShutdownHook(new Thread(server::stop, "provider-stub-stop"));
    server.stubFor(messages().atPriority(DEFAULT_ANSWER).willReturn(accepted()));
  }

  public static ProviderStub instance() {
    return INSTANCE;
  }

  public String baseUrl() {
    return server.baseUrl();
  }

  /** The provider's id for a message: the same for every attempt, as API.md §4 promises. */
  public static String providerId(String messageId) {
    return "wamid." + messageId;
  }

  /** Every attempt of this message gets this answer. */
  public void answer(String messageId, ResponseDefinitionBuilder response) {
    server.stubFor(messages().withHeader(IDEMPOTENCY_KEY, equalTo(messageId)).atPriority(OWN_ANSWER)
        .willReturn(response));
  }

  /** The first attempt of this message gets this answer, later ones are accepted. */
  public void answerFirst(String messageId, ResponseDefinitionBuilder response) {
    server.stubFor(messages().withHeader(IDEMPOTENCY_KEY, equalTo(messageId)).atPriority(OWN_ANSWER)
        .inScenario("first answer for " + messageId)
        .whenScenarioStateIs(STARTED)
        .willSetStateTo("answered")
        .willReturn(response));
  }

  /**
   * The provider has recovered: every later attempt of this message is accepted again, whatever
   * {@link #answer} said before (the newest stub of a priority wins).
   */
  public void acceptFromNowOn(String messageId) {
    answer(messageId, accepted());
  }

  /**
   * For messages whose id starts with the prefix, the provider sends the signed {@code delivered}
   * callback to Relay from inside its handler of the dispatch, and only then answers it: the ACK
   * overtakes the dispatch's own answer and its transaction.
   */
  public void acknowledgeBeforeAnswering(String messageIdPrefix, WebhookClient webhook) {
    server.stubFor(messages()
        .withHeader(IDEMPOTENCY_KEY, matching(Pattern.quote(messageIdPrefix) + ".*"))
        .atPriority(OWN_ANSWER)
        .withServeEventListener(
            AckBeforeAnswer.NAME,
            Parameters.from(Map.of("webhook", webhook.endpoint().toString(), "secret", webhook.secret())))
        .willReturn(accepted()));
  }

  /** Relay's HTTP answers to the callbacks sent by {@link #acknowledgeBeforeAnswering}. */
  public List<Integer> callbackAnswers(String messageId) {
    return List.copyOf(ackBeforeAnswer.answers.getOrDefault(messageId, List.of()));
  }

  /** The dispatches of this message the provider received, oldest first. */
  public List<LoggedRequest> calls(String messageId) {
    return calls(messagesRequested().withHeader(IDEMPOTENCY_KEY, equalTo(messageId)));
  }

  /** The dispatches of all messages whose id starts with the prefix, oldest first. */
  public List<LoggedRequest> callsStartingWith(String messageIdPrefix) {
    return calls(
        messagesRequested().withHeader(IDEMPOTENCY_KEY, matching(Pattern.quote(messageIdPrefix) + ".*")));
  }

  private List<LoggedRequest> calls(RequestPatternBuilder pattern) {
    return server.findAll(pattern).stream()
        .sorted(Comparator.comparing(LoggedRequest::getLoggedDate))
        .toList();
  }

  private static MappingBuilder messages() {
    return post(urlEqualTo(MESSAGES));
  }

  private static RequestPatternBuilder messagesRequested() {
    return postRequestedFor(urlEqualTo(MESSAGES));
  }

  /** The provider's answer to an accepted message. */
  public static ResponseDefinitionBuilder accepted() {
    return aResponse()
        .withStatus(200)
        .withHeader("Content-Type", "application/json")
        // the same id as providerId(messageId)
        .withBody("{\"id\": \"wamid.{{request.headers.Idempotency-Key}}\"}")
        .withTransformers("response-template");
  }

  /** Calls Relay's webhook while the dispatch that it acknowledges still waits for its answer. */
  private static final class AckBeforeAnswer implements ServeEventListener {

    static final String NAME = "ack-before-answer";

    final Map<String, List<Integer>> answers = new ConcurrentHashMap<>();

    @Override
    public String getName() {
      return NAME;
    }

    @Override
    public boolean applyGlobally() {
      return false;
    }

    @Override
    public void beforeResponseSent(ServeEvent serveEvent, Parameters parameters) {
      String messageId = serveEvent.getRequest().getHeader(IDEMPOTENCY_KEY);
      WebhookClient webhook =
          new WebhookClient(URI.create(parameters.getString("webhook")), parameters.getString("secret"));
      int answer;
      try {
        answer = webhook.send(WebhookClient.delivered(messageId));
      } catch (RuntimeException unreachable) {
        answer = -1; // no HTTP answer at all: the test sees it among the answers
      }
      answers.computeIfAbsent(messageId, id -> new CopyOnWriteArrayList<>()).add(answer);
    }
  }
}
