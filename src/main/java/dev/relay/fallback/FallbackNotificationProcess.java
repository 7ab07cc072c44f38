package dev.relay.fallback;

/**
 * Names shared by fallback-notification.bpmn and the code: the process another team could own. It
 * is called (call activity) by MessageResendProcess with the messageId as business key, once the
 * message is FAILED or UNCONFIRMED.
 */
public final class FallbackNotificationProcess {

  public static final String KEY = "FallbackNotificationProcess";

  private FallbackNotificationProcess() {}
}
