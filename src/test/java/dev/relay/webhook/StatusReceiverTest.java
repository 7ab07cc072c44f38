package dev.relay.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;

import dev.relay.delivery.MessageStatuses;
import dev.relay.delivery.ProviderStatus;
import dev.relay.delivery.ProviderStatus.Kind;
import java.sql.SQLTransientConnectionException;
import java.util.ArrayList;
import java.util.List;
import org.camunda.bpm.engine.OptimisticLockingException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.CannotGetJdbcConnectionException;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.TransactionStatus;
import org.springframework.transaction.support.AbstractPlatformTransactionManager;
import org.springframework.transaction.support.DefaultTransactionStatus;

/** How one callback's statuses reach the delivery: which transaction applies which status. */
class StatusReceiverTest {

  private final RecordingTransactions transactions = new RecordingTransactions();
  private final MessageStatuses statuses = mock(MessageStatuses.class);
  private final StatusReceiver receiver = new StatusReceiver(statuses, transactions);

  @BeforeEach
  void applyAllAppliesEach() {
    doAnswer(call -> {
          call.<List<ProviderStatus>>getArgument(0).forEach(statuses::apply);
          return null;
        })
        .when(statuses)
        .applyAll(any());
  }

  private static ProviderStatus status(String messageId, Kind kind) {
    return new ProviderStatus("whatsapp", "wamid." + messageId, messageId, kind, null);
  }

  @Test
  void sentNotedInOneBatch_reportsAppliedTogetherOrderedByMessage_oneCommitInAll() {
    List<String> applied = recordApplied(null);

    receiver.receive(
        List.of(
            status("m-2", Kind.DELIVERED), status("m-1", Kind.SENT), status("m-1", Kind.DELIVERED),
            status("m-3", Kind.SENT), status("m-2", Kind.READ)));

    verify(statuses).noteSent(List.of(status("m-1", Kind.SENT), status("m-3", Kind.SENT)));
    assertThat(applied).containsExactly("m-1 DELIVERED", "m-2 DELIVERED", "m-2 READ");
    verify(statuses).applyAll(any());
    assertThat(transactions.commits).isEqualTo(1);
    assertThat(transactions.rollbacks).isZero();
  }

  @Test
  void sentAndOneReport_oneCommit() {
    List<String> applied = recordApplied(null);

    receiver.receive(List.of(status("m-1", Kind.SENT), status("m-2", Kind.DELIVERED)));

    verify(statuses).noteSent(List.of(status("m-1", Kind.SENT)));
    assertThat(applied).containsExactly("m-2 DELIVERED");
    assertThat(transactions.commits).isEqualTo(1);
  }

  @Test
  void sharedTransactionCollides_eachStatusTriedOnItsOwn_noneLost() {
    List<String> applied = recordApplied(new OptimisticLockingException("m-2 moved on"));

    receiver.receive(
        List.of(status("m-1", Kind.DELIVERED), status("m-3", Kind.SENT), status("m-2", Kind.DELIVERED)));

    // together: m-1 then m-2's collision rolls all back; then the sent one and each report on its own
    assertThat(applied).containsExactly("m-1 DELIVERED", "m-2 DELIVERED", "m-1 DELIVERED", "m-2 DELIVERED");
    verify(statuses, times(2)).noteSent(List.of(status("m-3", Kind.SENT)));
    assertThat(transactions.rollbacks).isEqualTo(1);
    assertThat(transactions.commits).isEqualTo(3);
    verify(statuses, never()).record(any());
  }

  @Test
  void databaseUnreachable_theCallbackFails_soTheProviderSendsItAgain() {
    recordApplied(new CannotGetJdbcConnectionException("down", new SQLTransientConnectionException()));

    assertThatThrownBy(
            () -> receiver.receive(List.of(status("m-1", Kind.DELIVERED), status("m-2", Kind.DELIVERED))))
        .isInstanceOf(CannotGetJdbcConnectionException.class);
    assertThat(transactions.commits).isZero();
  }

  /** Records each applied status; the first application of m-2 throws {@code failure}, if any. */
  private List<String> recordApplied(RuntimeException failure) {
    List<String> applied = new ArrayList<>();
    doAnswer(
            call -> {
              ProviderStatus s = call.getArgument(0);
              applied.add(s.reference() + " " + s.kind());
              if (failure != null && s.reference().equals("m-2") && applied.size() == 2) {
                throw failure;
              }
              return ProviderStatus.Outcome.APPLIED;
            })
        .when(statuses)
        .apply(any());
    return applied;
  }

  private static final class RecordingTransactions extends AbstractPlatformTransactionManager {
    int commits;
    int rollbacks;

    @Override
    protected Object doGetTransaction() {
      return new Object();
    }

    @Override
    protected void doBegin(Object transaction, TransactionDefinition definition) {}

    @Override
    protected void doCommit(DefaultTransactionStatus status) {
      commits++;
    }

    @Override
    protected void doRollback(DefaultTransactionStatus status) {
      rollbacks++;
    }
  }
}
