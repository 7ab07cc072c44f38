package dev.relay.engine;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.util.List;
import javax.sql.DataSource;

/** A data source that notes the SQL of every statement prepared on its connections. */
final class StatementsNoted {

  private StatementsNoted() {}

  static DataSource on(DataSource target, List<String> statements) {
    return (DataSource) Proxy.newProxyInstance(
        StatementsNoted.class.getClassLoader(), new Class<?>[] {DataSource.class},
        (proxy, method, args) -> {
          Object result = invoke(method, target, args);
          return result instanceof Connection connection ? on(connection, statements) : result;
        });
  }

  private static Connection on(Connection target, List<String> statements) {
    return (Connection) Proxy.newProxyInstance(
        StatementsNoted.class.getClassLoader(), new Class<?>[] {Connection.class},
        (proxy, method, args) -> {
          if (method.getName().equals("prepareStatement")) {
            statements.add((String) args[0]);
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
