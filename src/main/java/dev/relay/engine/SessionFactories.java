package dev.relay.engine;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.interceptor.Session;
import org.camunda.bpm.engine.impl.interceptor.SessionFactory;

/** Replaces the engine's own sessions (its managers) with Relay's, before the engine is built. */
final class SessionFactories {

  private SessionFactories() {}

  /**
   * Adds the factories after the engine's own: each replaces the one of the same session type.
   * Call in {@code preInit}.
   */
  static void replace(ProcessEngineConfigurationImpl configuration, SessionFactory... factories) {
    List<SessionFactory> custom = new ArrayList<>();
    if (configuration.getCustomSessionFactories() != null) {
      custom.addAll(configuration.getCustomSessionFactories());
    }
    custom.addAll(Arrays.asList(factories));
    configuration.setCustomSessionFactories(custom);
  }

  /** A factory of the given session type, opening its sessions with {@code sessions}. */
  static SessionFactory of(Class<?> type, Supplier<Session> sessions) {
    return new SessionFactory() {
      @Override
      public Class<?> getSessionType() {
        return type;
      }

      @Override
      public Session openSession() {
        return sessions.get();
      }
    };
  }
}
