package dev.relay.webhook;

import dev.relay.delivery.ProviderStatus;
import dev.relay.delivery.MessageStatuses;
import dev.relay.delivery.ProviderStatus.Outcome;
import dev.relay.jdbc.DatabaseOutage;
import dev.relay.logs.MessageLog;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.camunda.bpm.engine.OptimisticLockingException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.ConcurrencyFailureException;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Records the statuses of one callback durably and hands them to the delivery, all in one
 * transaction: the {@code sent} ones (which change nothing) in one statement batch, the rest applied
 * together in one engine command, so that a busy provider's callback costs one commit and one flush
 * of the engine, not one per status. When that shared transaction collides with an instance's own
 * work (optimistic locking, lock timeouts, a deadlock between two callbacks), the {@code sent}
 * ones are noted in a transaction of their own and each other status is tried again in one of its
 * own; when a status's hand-off keeps colliding or fails outright, it is still recorded, on its
 * own: the delivery finds it on its next step. Nothing is lost, and no engine trouble reaches the
 * provider as an error; only a database that cannot be reached does (503), so that the provider
 * sends the statuses again.
 */
@Service
class StatusReceiver {

  private static final Logger log = LoggerFactory.getLogger(StatusReceiver.class);
  private static final int HAND_OFF_ATTEMPTS = 5;
  private static final Comparator<ProviderStatus> BY_MESSAGE =
      Comparator.comparing(ProviderStatus::reference, Comparator.nullsLast(Comparator.naturalOrder()))
          .thenComparing(
              ProviderStatus::providerMessageId, Comparator.nullsLast(Comparator.naturalOrder()));

  private final MessageStatuses statuses;
  private final TransactionTemplate transaction;

  StatusReceiver(MessageStatuses statuses, PlatformTransactionManager transactions) {
    this.statuses = statuses;
    this.transaction = new TransactionTemplate(transactions);
  }

  /** The statuses of one callback, in the callback's order. */
  void receive(List<ProviderStatus> callback) {
    List<ProviderStatus> sent = new ArrayList<>();
    List<ProviderStatus> reports = new ArrayList<>();
    callback.forEach(s -> (s.kind() == ProviderStatus.Kind.SENT ? sent : reports).add(s));
    if (appliedTogether(sent, reports)) {
      return;
    }
    if (!sent.isEmpty()) {
      transaction.executeWithoutResult(tx -> statuses.noteSent(sent));
      log.debug("{} sent statuses from the provider noted", sent.size());
    }
    reports.forEach(this::receive);
  }

  /**
   * Notes the {@code sent} statuses and applies the reports in one transaction, the reports
   * ordered by message so that two callbacks reporting on the same messages lock their rows in the
   * same order (a provider's duplicates).
   */
  private boolean appliedTogether(List<ProviderStatus> sent, List<ProviderStatus> reports) {
    List<ProviderStatus> byMessage = new ArrayList<>(reports);
    byMessage.sort(BY_MESSAGE); // stable: one message's statuses keep their order
    try {
      transaction.executeWithoutResult(
          tx -> {
            if (!sent.isEmpty()) {
              statuses.noteSent(sent);
            }
            if (!byMessage.isEmpty()) {
              statuses.applyAll(byMessage);
            }
          });
      log.debug("{} sent and {} other statuses from the provider recorded", sent.size(), reports.size());
      return true;
    } catch (RuntimeException failure) {
      if (DatabaseOutage.isCause(failure)) {
        throw failure;
      }
      log.debug("{} statuses together failed; recording each on its own", sent.size() + reports.size(), failure);
      return false;
    }
  }

  private void receive(ProviderStatus status) {
    // the status names its message by reference or provider id: identified once found
    try (var logged = MessageLog.open()) {
      handle(status);
    }
  }

  private void handle(ProviderStatus status) {
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
