package dev.relay.fallback;

import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.springframework.stereotype.Component;

/** Task_SendFallbackEmail. */
@Component("sendFallbackEmailDelegate")
class SendFallbackEmailDelegate implements JavaDelegate {

  private final FallbackNotifier notifier;

  SendFallbackEmailDelegate(FallbackNotifier notifier) {
    this.notifier = notifier;
  }

  @Override
  public void execute(DelegateExecution execution) {
    notifier.notifyByEmail(execution.getProcessBusinessKey());
  }
}
