package dev.relay.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import java.sql.SQLIntegrityConstraintViolationException;
import java.sql.SQLTransientConnectionException;
import org.apache.ibatis.exceptions.PersistenceException;
import org.camunda.bpm.engine.ProcessEngineException;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.transaction.CannotCreateTransactionException;
import org.springframework.transaction.TransactionSystemException;

class DatabaseOutageTest {

  @Test
  void noConnectionFromThePool_isAnOutage() {
    assertThat(DatabaseOutage.isCause(new CannotCreateTransactionException("no connection",
        new SQLTransientConnectionException("HikariPool-1 - Connection is not available")))).isTrue();
  }

  @Test
  void serverShutDownUnderTheEngine_isAnOutage_throughTheEnginesWrapping() {
    SQLException terminated =
        new SQLException("terminating connection due to administrator command", "57P01");
    assertThat(DatabaseOutage.isCause(
        new ProcessEngineException("flush failed", new PersistenceException(terminated)))).isTrue();
    assertThat(DatabaseOutage.isCause(
        new RuntimeException(new SQLException("An I/O error occurred", "08006")))).isTrue();
  }

  @Test
  void aRollbackThatFailedOnADroppedConnection_isAnOutage_whenTheWorkFailedForIt() {
    TransactionSystemException rollback =
        new TransactionSystemException("JDBC rollback failed", new SQLException("Connection is closed"));
    rollback.initApplicationException(
        new ProcessEngineException(new SQLException("terminating connection", "57P01")));
    assertThat(DatabaseOutage.isCause(rollback)).isTrue();

    TransactionSystemException afterABug =
        new TransactionSystemException("JDBC rollback failed", new SQLException("Connection is closed"));
    afterABug.initApplicationException(new IllegalStateException("bug"));
    assertThat(DatabaseOutage.isCause(afterABug)).isFalse();
  }

  @Test
  void aRollbackThatFailedAfterTheCommitDid_isAnOutage() {
    // JdbcTransactionManager: the commit's 57P01 only logged, the rollback's failure thrown
    assertThat(DatabaseOutage.isCause(new TransactionSystemException("JDBC rollback failed",
        new SQLException("Connection is closed")))).isTrue();
  }

  @Test
  void theWorksOwnFailures_areNot() {
    assertThat(DatabaseOutage.isCause(new DataIntegrityViolationException("duplicate",
        new SQLIntegrityConstraintViolationException("dup", "23505")))).isFalse();
    assertThat(DatabaseOutage.isCause(new IllegalStateException("bug"))).isFalse();
    assertThat(DatabaseOutage.isCause(new ProcessEngineException("no message null"))).isFalse();
  }
}
