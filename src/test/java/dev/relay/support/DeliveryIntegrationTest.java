package dev.relay.support;

import static dev.relay.room.RoomDeliveryProcess.VAR_MESSAGE_ID;

import dev.relay.fallback.FallbackNotificationProcess;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.core.ConditionFactory;
import org.camunda.bpm.engine.ProcessEngineException;
import org.camunda.bpm.engine.history.HistoricProcessInstance;
import org.camunda.bpm.engine.runtime.ProcessInstance;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The base of the delivery, webhook and engine integration tests: two channels besides {@value
 * #CHANNEL} whose timers leave a test all the time it needs, however slow the machine, and the
 * waits for a room's instance to wait for a message's report, for a message's
 * MessageResendProcess to wait for it after an attempt, or to end.
 *
 * <p>Every subclass that adds no configuration of its own shares one Spring context per database.
 */
public abstract class DeliveryIntegrationTest extends RelayIntegrationTest {

  /**
   * A room waits a minute for this channel's ACK, and a message handed over waits a minute for
   * each resend: a test acknowledges in the room whenever it is ready.
   */
  public static final String PATIENT_CHANNEL = "patientchat";
  public static final Duration PATIENT_WAIT = Duration.ofMinutes(1);
  /**
   * A room moves on 1 s after this channel's dispatch ({@link #ACK_GATE_TIMEOUT}); the second and
   * last attempt follows 2 s after the first and waits a minute for its ACK: a test acknowledges
   * it whenever it is ready.
   */
  public static final String RESEND_CHANNEL = "resendchat";
  public static final List<Duration> RESEND_CHANNEL_DELAYS = List.of(Duration.ofSeconds(2), Duration.ofMinutes(1));
  public static final int RESEND_CHANNEL_MAX_ATTEMPTS = 2;

  public static final String AWAIT_DELIVERY_REPORT = "Task_AwaitDeliveryReport";
  public static final String AWAIT_NEXT_MESSAGE = "Task_AwaitNextMessage";
  /** Long enough for a message's whole resend schedule on {@value #CHANNEL}, on a busy machine. */
  protected static final Duration WHOLE_SCHEDULE = Duration.ofSeconds(60);

  @DynamicPropertySource
  static void channelsOfTheseTests(DynamicPropertyRegistry registry) {
    channel(registry, PATIENT_CHANNEL, PATIENT_WAIT.toString(), PATIENT_WAIT.toString(), MAX_ATTEMPTS);
    channel(
        registry,
        RESEND_CHANNEL,
        ACK_GATE_TIMEOUT.toString(),
        String.join(",", RESEND_CHANNEL_DELAYS.stream().map(Duration::toString).toList()),
        RESEND_CHANNEL_MAX_ATTEMPTS);
  }

  private static void channel(
      DynamicPropertyRegistry registry, String name, String gate, String resends, int maxAttempts) {
    String prefix = "relay.channels." + name + ".";
    registry.add(prefix + "base-url", provider::baseUrl);
    registry.add(prefix + "api-token", () -> API_TOKEN);
    registry.add(prefix + "webhook-secret", () -> WEBHOOK_SECRET);
    registry.add(prefix + "ack-gate-timeout", () -> gate);
    registry.add(prefix + "resend-delays", () -> resends);
    registry.add(prefix + "max-attempts", () -> maxAttempts);
  }

  /** An intake request for a message on this channel. */
  protected static Map<String, Object> newMessageOn(
      String channel, String messageId, String roomId, String body, String fallbackEmail) {
    Map<String, Object> request = RelayApi.newMessage(messageId, roomId, body, fallbackEmail);
    request.put("channel", channel);
    return request;
  }

  /** The provider's callbacks of this channel (a status counts only on its message's channel). */
  protected WebhookClient webhookOf(String channel) {
    return new WebhookClient(URI.create("http://localhost:" + port + "/webhooks/" + channel), WEBHOOK_SECRET);
  }

  /** {@link #eventually()} with room for a busy machine: it costs nothing when things are quick. */
  protected static ConditionFactory patiently() {
    return eventually().atMost(WHOLE_SCHEDULE);
  }

  /**
   * Waits until the room's instance has dispatched the message and waits for its report (until
   * the message's ACK gate).
   */
  protected void awaitRoomWaitsForReport(String roomId, String messageId) {
    patiently()
        .until(
            () -> {
              ProcessInstance room = roomInstance(roomId);
              return room != null
                  && waitsAt(room, AWAIT_DELIVERY_REPORT)
                  && messageId.equals(runtime.getVariable(room.getId(), VAR_MESSAGE_ID));
            });
  }

  /** Waits until the room's instance has nothing to do and waits for the next message. */
  protected void awaitRoomIdle(String roomId) {
    patiently().until(() -> waitsAt(roomInstance(roomId), AWAIT_NEXT_MESSAGE));
  }

  /**
   * Waits until the message's MessageResendProcess waits for its report after the provider took
   * this many attempts.
   */
  protected void awaitResendWaitsForReport(String messageId, int attempts) {
    patiently()
        .until(
            () ->
                attempts(messageId) == attempts
                    && waitsAt(resendInstance(messageId), AWAIT_DELIVERY_REPORT));
  }

  /** Waits for the message's MessageResendProcess to end, however long its schedule takes. */
  protected HistoricProcessInstance awaitResendEnded(String messageId) {
    patiently()
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> {
              HistoricProcessInstance resend = historicResendInstance(messageId);
              return resend != null && resend.getEndTime() != null;
            });
    return historicResendInstance(messageId);
  }

  /** The message's one FallbackNotificationProcess in history (running or ended), or null. */
  protected HistoricProcessInstance historicFallbackInstance(String messageId) {
    return history.createHistoricProcessInstanceQuery()
        .processDefinitionKey(FallbackNotificationProcess.KEY)
        .processInstanceBusinessKey(messageId)
        .singleResult();
  }

  /** The attempts the provider has accepted, as the message view shows them. */
  protected int attempts(String messageId) {
    return api.message(messageId).get("attempts").asInt();
  }

  /** Whether the instance waits at the activity now; false for none, or one that just ended. */
  protected boolean waitsAt(ProcessInstance instance, String activityId) {
    try {
      return activeActivities(instance).contains(activityId);
    } catch (ProcessEngineException endedMeanwhile) {
      return false;
    }
  }
}
