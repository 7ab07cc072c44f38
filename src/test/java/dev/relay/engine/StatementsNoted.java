package dev.relay.engine;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.util.function.Consumer;
import javax.sql.DataSource;

/** A data source that hands the SQL of every statement prepared on its connections to a consumer. */
final class StatementsNoted {

  private StatementsNoted() {}

  static DataSource on(DataSource target, Consumer<String> prepared) {
    return (DataSource) Proxy.newProxyInstance(
        StatementsNoted.class.getClassLoader(), new Class<?>[] {DataSource.class},
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
