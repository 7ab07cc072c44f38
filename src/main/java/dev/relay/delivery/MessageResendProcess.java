package dev.relay.delivery;

import java.util.Date;
import org.camunda.bpm.engine.delegate.DelegateExecution;

/**
 * Names shared by message-resend.bpmn and the code. One instance per message that its room handed
 * over before the message was delivered (business key = messageId): it resends until the
 * delivery report comes, or gives up and calls the fallback.
 */
public final class MessageResendProcess {

  public static final String KEY = "MessageResendProcess";

  /** The channel name: the resend schedule and attempt limit are looked up by it. */
  public static final String VAR_CHANNEL = "channel";
  /** Attempts the provider has accepted so far. */
  public static final String VAR_ATTEMPT = "attempt";
  /** When the provider accepted the first attempt (null: not yet): resends count from it. */
  public static final String VAR_FIRST_ATTEMPT_AT = "firstAttemptAt";

  private MessageResendProcess() {}

  static String messageId(DelegateExecution execution) {
    return execution.getProcessBusinessKey();
  }

  static void setAttempts(DelegateExecution execution, DeliveryService.Dispatch dispatch) {
    execution.setVariable(VAR_ATTEMPT, dispatch.attempts());
    execution.setVariable(
        VAR_FIRST_ATTEMPT_AT, dispatch.firstAttemptAt() == null ? null : Date.from(dispatch.firstAttemptAt()));
  }
}
