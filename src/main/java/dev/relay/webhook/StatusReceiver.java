package dev.relay.webhook;

import dev.relay.delivery.ProviderStatus;
import dev.relay.delivery.ProviderStatus.Outcome;
import dev.relay.delivery.MessageStatuses;
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
 * step. Nothing is lost, and no engine trouble reaches the provider as an error.
 */
@Service
class StatusReceiver {

  private static final Logger log = LoggerFactory.getLogger(StatusReceiver.class);
  private static final int HAND_OFF_ATTEMPTS = 5;

  private final MessageStatuses updates;
  private final ProviderStatusLog statusLog;
  private final TransactionTemplate transaction;

  StatusReceiver(MessageStatuses updates, ProviderStatusLog statusLog, PlatformTransactionManager transactions) {
    this.updates = updates;
    this.statusLog = statusLog;
    this.transaction = new TransactionTemplate(transactions);
  }

  Outcome receive(ProviderStatus status) {
    for (int attempt = 1; attempt <= HAND_OFF_ATTEMPTS; attempt++) {
      try {
        return transaction.execute(tx -> logged(status, updates.apply(status)));
      } catch (OptimisticLockingException | ConcurrencyFailureException collision) {
        log.debug("Hand-off of {} for {} collided, attempt {}", status.kind(), status.reference(), attempt);
      } catch (RuntimeException failure) {
        log.warn("Hand-off of {} for {} failed; recording it without", status.kind(), status.reference(), failure);
        break;
      }
    }
    return transaction.execute(tx -> logged(status, updates.record(status)));
  }

  private Outcome logged(ProviderStatus status, Outcome outcome) {
    statusLog.record(status, outcome);
    return outcome;
  }
}
