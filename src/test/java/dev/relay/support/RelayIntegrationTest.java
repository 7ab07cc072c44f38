package dev.relay.support;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relay.delivery.MessageResendProcess;
import dev.relay.room.RoomDeliveryProcess;
import jakarta.mail.internet.MimeMessage;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import org.camunda.bpm.engine.HistoryService;
import org.camunda.bpm.engine.ManagementService;
import org.camunda.bpm.engine.RuntimeService;
import org.camunda.bpm.engine.history.HistoricActivityInstance;
import org.camunda.bpm.engine.history.HistoricProcessInstance;
import org.camunda.bpm.engine.history.HistoricProcessInstanceQuery;
import org.camunda.bpm.engine.runtime.ProcessInstance;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The base of Relay's integration tests: the whole application on a random port with its job
 * executor running, channel {@value #CHANNEL} pointing at the {@link ProviderStub} and the
 * fallback e-mail at the {@link Mailbox}, with a short delivery policy.
 *
 * <p>Every subclass that adds no configuration of its own shares one Spring context (one on H2;
 * the PostgreSQL subclasses, annotated alike, share another), so keep extra annotations off the
 * subclasses and give every test its own message ids ({@link #newId}).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ActiveProfiles("test")
@AutoConfigureObservability(tracing = false) // metrics exported as in production: tests read them
public abstract class RelayIntegrationTest {

  public static final String CHANNEL = "whatsapp";
  public static final String API_TOKEN = "it-provider-token";
  public static final String WEBHOOK_SECRET = "it-webhook-secret";
  public static final Duration ACK_GATE_TIMEOUT = Duration.ofSeconds(1);
  /** Waits before attempt 2 and 3: long enough that a slow test step sees no unasked resend. */
  public static final List<Duration> RESEND_DELAYS = List.of(Duration.ofSeconds(3), Duration.ofSeconds(3));
  public static final int MAX_ATTEMPTS = 3;
  /** The engine's waits between tries of a failed provider call (transient errors). */
  public static final List<Duration> DISPATCH_RETRY_DELAYS =
      List.of(Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1));

  protected static final ProviderStub provider = ProviderStub.instance();
  protected static final Mailbox mailbox = Mailbox.instance();

  @DynamicPropertySource
  static void pointRelayAtTheStubs(DynamicPropertyRegistry registry) {
    String channel = "relay.channels." + CHANNEL + ".";
    registry.add(channel + "base-url", provider::baseUrl);
    registry.add(channel + "api-token", () -> API_TOKEN);
    registry.add(channel + "webhook-secret", () -> WEBHOOK_SECRET);
    registry.add(channel + "ack-gate-timeout", ACK_GATE_TIMEOUT::toString);
    registry.add(channel + "resend-delays", () -> list(RESEND_DELAYS));
    registry.add(channel + "max-attempts", () -> MAX_ATTEMPTS);
    registry.add("relay.dispatch-retry-delays", () -> list(DISPATCH_RETRY_DELAYS));
    registry.add("spring.mail.host", () -> "localhost");
    registry.add("spring.mail.port", mailbox::smtpPort);
  }

  private static String list(List<Duration> durations) {
    return String.join(",", durations.stream().map(Duration::toString).toList());
  }

  @LocalServerPort int port;
  @Autowired protected RuntimeService runtime;
  @Autowired protected HistoryService history;
  @Autowired protected ManagementService management;
  @Autowired protected JdbcTemplate jdbc;

  protected RelayApi api;
  protected WebhookClient webhook;

  @BeforeEach
  void clients() {
    String base = "http://localhost:" + port;
    api = new RelayApi(base);
    webhook = new WebhookClient(URI.create(base + "/webhooks/" + CHANNEL), WEBHOOK_SECRET);
  }

  /** A message or room id no other test, context or run uses. */
  protected static String newId(String what) {
    return what + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  protected static ConditionFactory eventually() {
    return Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20));
  }

  /** The room's running RoomDeliveryProcess instance, or null while it has none. */
  protected ProcessInstance roomInstance(String roomId) {
    return runtime.createProcessInstanceQuery()
        .processDefinitionKey(RoomDeliveryProcess.KEY)
        .processInstanceBusinessKey(roomId)
        .singleResult();
  }

  /** The message's running MessageResendProcess instance, or null (none, or ended). */
  protected ProcessInstance resendInstance(String messageId) {
    return runtime.createProcessInstanceQuery()
        .processDefinitionKey(MessageResendProcess.KEY)
        .processInstanceBusinessKey(messageId)
        .singleResult();
  }

  /** Where a running instance waits; empty for null (no instance). */
  protected List<String> activeActivities(ProcessInstance instance) {
    return instance == null ? List.of() : runtime.getActiveActivityIds(instance.getId());
  }

  /** The message the room's instance works on now (its variable messageId), or null. */
  protected String currentMessage(String roomId) {
    ProcessInstance instance = roomInstance(roomId);
    return instance == null
        ? null
        : (String) runtime.getVariable(instance.getId(), RoomDeliveryProcess.VAR_MESSAGE_ID);
  }

  /** How many instances of the process were ever started with this business key. */
  protected long instanceCount(String processKey, String businessKey) {
    return historicInstances(processKey, businessKey).count();
  }

  /** The message's one MessageResendProcess in history (running or ended), or null. */
  protected HistoricProcessInstance historicResendInstance(String messageId) {
    return historicInstances(MessageResendProcess.KEY, messageId).singleResult();
  }

  private HistoricProcessInstanceQuery historicInstances(String processKey, String businessKey) {
    return history.createHistoricProcessInstanceQuery()
        .processDefinitionKey(processKey)
        .processInstanceBusinessKey(businessKey);
  }

  /** The activities an instance has completed (not those cancelled on the way), in order. */
  protected List<String> passedActivities(String processInstanceId) {
    return history.createHistoricActivityInstanceQuery()
        .processInstanceId(processInstanceId)
        .finished()
        .orderPartiallyByOccurrence()
        .asc()
        .list()
        .stream()
        .filter(activity -> !activity.isCanceled())
        .map(HistoricActivityInstance::getActivityId)
        .toList();
  }

  /** Jobs (timers, async steps) of a running instance at this activity. */
  protected long jobsAt(ProcessInstance instance, String activityId) {
    return instance == null
        ? 0
        : management.createJobQuery().processInstanceId(instance.getId()).activityId(activityId).count();
  }

  /** The one mail sent to the address: it carries the message's text. */
  protected static void assertFallbackMail(String address, String messageBody) throws Exception {
    List<MimeMessage> mails = mailbox.to(address);
    assertThat(mails).hasSize(1);
    assertThat(mails.get(0).getContent().toString()).contains(messageBody);
  }

  protected static <T> T single(List<T> items) {
    assertThat(items).hasSize(1);
    return items.get(0);
  }

  /** relay_provider_status for a reference, oldest first, as "STATUS OUTCOME". */
  protected List<String> recordedStatuses(String reference) {
    return jdbc.queryForList(
        "select status || ' ' || outcome from relay_provider_status where reference = ? order by id",
        String.class,
        reference);
  }
}
