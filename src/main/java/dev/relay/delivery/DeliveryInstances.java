package dev.relay.delivery;

import static dev.relay.delivery.MessageResendProcess.*;

import dev.relay.engine.ProcessInstances;
import java.util.Collection;
import java.util.Date;
import java.util.HashMap;
import java.util.Map;
import org.camunda.bpm.engine.RuntimeService;
import org.springframework.stereotype.Component;

/** The one place in delivery that starts instances and correlates to them. */
@Component
class DeliveryInstances {

  private final RuntimeService runtime;
  private final ProcessInstances engineInstances;

  DeliveryInstances(RuntimeService runtime, ProcessInstances engineInstances) {
    this.runtime = runtime;
    this.engineInstances = engineInstances;
  }

  /** @return the id of the message's new MessageResendProcess instance */
  String startResend(Message message, DeliveryReport report) {
    Map<String, Object> variables = new HashMap<>();
    variables.put(VAR_CHANNEL, message.channel());
    variables.put(VAR_ATTEMPT, message.attempts());
    variables.put(
        VAR_FIRST_ATTEMPT_AT, message.dispatchedAt() == null ? null : Date.from(message.dispatchedAt()));
    variables.put(DeliveryReport.VARIABLE, report.asVariable());
    return runtime
        .createProcessInstanceByKey(KEY)
        .businessKey(message.messageId())
        .setVariables(variables)
        .execute()
        .getId();
  }

  /** Runs the work as one engine command. */
  void together(Runnable work) {
    engineInstances.together(work);
  }

  /**
   * Reads the instances together, for reports about to be handed to them in the same command
   * ({@link #together}).
   */
  void readTogether(Collection<String> processInstanceIds) {
    engineInstances.readTogether(processInstanceIds);
  }

  /**
   * Hands the report to the instance, if it waits for one now (otherwise it finds the report on
   * the message row at its next step: nothing is lost).
   */
  void report(String processInstanceId, DeliveryReport report) {
    engineInstances.messageReceived(
        processInstanceId,
        DeliveryReport.MESSAGE,
        Map.of(DeliveryReport.VARIABLE, report.asVariable()));
  }
}
