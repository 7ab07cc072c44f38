package dev.relay.jdbc;

import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientConnectionException;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.jdbc.CannotGetJdbcConnectionException;
import org.springframework.transaction.CannotCreateTransactionException;
import org.springframework.transaction.TransactionSystemException;

/**
 * Tells a database that is unreachable (stopped, restarting, no connection within the pool's
 * timeout) from a failure of the work itself, through whatever wraps it (the engine's
 * ProcessEngineException, MyBatis, Spring). The first is not the request's fault: the caller is
 * told to try again, and nothing was stored.
 */
public final class DatabaseOutage {

  private DatabaseOutage() {}

  public static boolean isCause(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof CannotGetJdbcConnectionException
          || t instanceof CannotCreateTransactionException
          || t instanceof DataAccessResourceFailureException
          || t instanceof SQLTransientConnectionException
          || t instanceof SQLNonTransientConnectionException
          || t instanceof SQLRecoverableException) {
        return true;
      }
      if (t instanceof SQLException sql && isConnectionState(sql.getSQLState())) {
        return true;
      }
      // a rollback on a connection the server dropped fails too, and hides why the work failed
      if (t instanceof TransactionSystemException rollback
          && rollback.getApplicationException() != null
          && isCause(rollback.getApplicationException())) {
        return true;
      }
      // a commit the server cut short, then the rollback on the dropped connection: Spring throws
      // the rollback's failure and keeps the commit's only in its log. A rollback fails on a
      // connection that is gone, and a commit that failed so may be repeated: intake and webhooks
      // are idempotent
      if (t instanceof TransactionSystemException rollback
          && rollback.getApplicationException() == null
          && rollback.getCause() instanceof SQLException) {
        return true;
      }
    }
    return false;
  }

  /**
   * SQLSTATE class 08, connection exception; 57P01..57P03, the server shutting down or not yet
   * accepting connections (PostgreSQL).
   */
  private static boolean isConnectionState(String state) {
    return state != null && (state.startsWith("08") || state.startsWith("57P"));
  }
}
