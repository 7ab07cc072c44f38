package dev.relay.webhook;

import dev.relay.delivery.ProviderStatus;
import dev.relay.delivery.MessageStatuses;
import dev.relay.delivery.ProviderStatus.Outcome;
import dev.relay.jdbc.DatabaseOutage;
import dev.relay.logs.MessageLog;
import org.camunda.bpm.engine.OptimisticLockingException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.ConcurrencyFailureException;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Records each status durably and hands it to the delivery, in one transaction per status. When
 * the hand-off keeps colliding with the instance's own work (optimistic locking, lock timeouts)
 * or fails outright, the status is still recorded, on its own: the delivery finds it on its next
 * step. Nothing is lost, and no engine trouble reaches the provider as an error; only a database
 * that cannot be reached does (503), so that the provider sends the status again.
 */
@Service
class StatusReceiver {

  private static final Logger log = LoggerFactory.getLogger(StatusReceiver.class);
  private static final int HAND_OFF_ATTEMPTS = 5;

  private final MessageStatuses statuses;
  private final TransactionTemplate transaction;

  StatusReceiver(MessageStatuses statuses, PlatformTransactionManager transactions) {
    this.statuses = statuses;
    this.transaction = new TransactionTemplate(transactions);
  }

  void receive(ProviderStatus status) {
    // the status names its message by reference or provider id: identified once found
    try (var logged = MessageLog.open()) {
      handle(status);
    }
  }

  private void handle(ProviderStatus status) {
    if (status.kind() == ProviderStatus.Kind.SENT) {
      statuses.noteSent(status);
      return;
    }
    for (int attempt = 1; attempt <= HAND_OFF_ATTEMPTS; attempt++) {
      try {
        Outcome outcome = transaction.execute(tx -> statuses.apply(status));
        log.debug("Status {} from the provider: {}", status.kind(), outcome);
        return;
      } catch (OptimisticLockingException | ConcurrencyFailureException collision) {
        log.debug("Hand-off of {} for {} collided, attempt {}", status.kind(), status.reference(), attempt);
      } catch (RuntimeException failure) {
        if (DatabaseOutage.isCause(failure)) {
          throw failure; // nothing can be recorded: the provider's retry brings the status back
        }
        log.warn("Hand-off of {} for {} failed; recording it without", status.kind(), status.reference(), failure);
        break;
      }
    }
    Outcome outcome = transaction.execute(tx -> statuses.record(status));
    log.debug("Status {} from the provider, recorded without hand-off: {}", status.kind(), outcome);
  }
}
