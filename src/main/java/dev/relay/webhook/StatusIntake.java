package dev.relay.webhook;

import dev.relay.delivery.ProviderStatus;
import dev.relay.delivery.ProviderStatus.Outcome;
import dev.relay.delivery.StatusUpdates;
import org.camunda.bpm.engine.OptimisticLockingException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.ConcurrencyFailureException;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Records each status durably and hands it to the delivery, in one transaction per status. When
 * the hand-off keeps colliding with the instance's own work (optimistic locking), the status is
 * still recorded on its own: the delivery finds it on its next step, so nothing is lost and the
 * provider still gets its 200.
 */
@Service
class StatusIntake {

  private static final Logger log = LoggerFactory.getLogger(StatusIntake.class);
  private static final int ATTEMPTS = 5;

  private final StatusUpdates updates;
  private final StatusLog statusLog;
  private final TransactionTemplate transaction;

  StatusIntake(StatusUpdates updates, StatusLog statusLog, PlatformTransactionManager transactions) {
    this.updates = updates;
    this.statusLog = statusLog;
    this.transaction = new TransactionTemplate(transactions);
  }

  Outcome receive(ProviderStatus status) {
    for (int attempt = 1; ; attempt++) {
      try {
        return transaction.execute(
            tx -> {
              Outcome outcome = updates.apply(status);
              statusLog.record(status, outcome);
              return outcome;
            });
      } catch (OptimisticLockingException | ConcurrencyFailureException collision) {
        if (attempt == ATTEMPTS) {
          log.warn("Status {} for {} recorded without hand-off after {} collisions",
              status.kind(), status.reference(), ATTEMPTS);
          return transaction.execute(tx -> {
            statusLog.record(status, Outcome.NOTED);
            return Outcome.NOTED;
          });
        }
      }
    }
  }
}
