package dev.relay.engine;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;

/** A data source that hands the SQL of every statement prepared on its connections to a consumer. */
final class StatementsNoted {

  private StatementsNoted() {}

  /** The in-memory H2 database of this package's engines ({@link InMemoryEngines#url}), noted. */
  static DataSource onH2(String database, Consumer<String> prepared) {
    JdbcDataSource h2 = new JdbcDataSource();
    h2.setURL(InMemoryEngines.url(database));
    h2.setUser("sa");
    return on(h2, prepared);
  }

  /**
   * Another commit between an instance's reads: the work set, run once on a thread of its own
   * (a connection of its own) while the noting thread is about to read an instance's executions.
   */
  static Consumer<String> beforeExecutionsRead(AtomicReference<Runnable> meanwhile) {
    return before("from ACT_RU_EXECUTION where PROC_INST_ID_", meanwhile);
  }

  /** The same, before the noting thread's first statement that contains {@code part}. */
  static Consumer<String> before(String part, AtomicReference<Runnable> meanwhile) {
    return sql -> {
      if (!sql.replaceAll("\\s+", " ").contains(part)) {
        return;
      }
      Runnable work = meanwhile.getAndSet(null);
      if (work != null) {
        InMemoryEngines.onAnotherThread(work);
      }
    };
  }

  /** A pool stays closeable through it: Spring closes a data source bean by its close method. */
  static DataSource on(DataSource target, Consumer<String> prepared) {
    Class<?>[] types = target instanceof AutoCloseable
        ? new Class<?>[] {DataSource.class, AutoCloseable.class}
        : new Class<?>[] {DataSource.class};
    return (DataSource) Proxy.newProxyInstance(
        StatementsNoted.class.getClassLoader(), types,
        (proxy, method, args) -> {
          Object result = invoke(method, target, args);
          return result instanceof Connection connection ? on(connection, prepared) : result;
        });
  }

  private static Connection on(Connection target, Consumer<String> prepared) {
    return (Connection) Proxy.newProxyInstance(
        StatementsNoted.class.getClassLoader(), new Class<?>[] {Connection.class},
        (proxy, method, args) -> {
          if (method.getName().equals("prepareStatement")) {
            prepared.accept((String) args[0]);
          }
          return invoke(method, target, args);
        });
  }

  private static Object invoke(Method method, Object target, Object[] args) throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }
}
