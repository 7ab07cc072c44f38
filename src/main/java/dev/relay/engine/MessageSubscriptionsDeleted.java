package dev.relay.engine;

import org.camunda.bpm.engine.impl.cfg.AbstractProcessEnginePlugin;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.event.EventType;
import org.camunda.bpm.engine.impl.persistence.entity.EventSubscriptionEntity;
import org.camunda.bpm.engine.impl.persistence.entity.EventSubscriptionManager;
import org.springframework.stereotype.Component;

/**
 * The engine's event subscriptions, without the lookup of a subscription's asynchronous event jobs
 * when a message subscription is deleted (once per message: the wait for its report ends). Such a
 * job exists only for a signal or a compensation thrown asynchronously; a message is always
 * received synchronously, so a message subscription never has one. Other subscriptions are
 * deleted as the engine does.
 */
@Component
class MessageSubscriptionsDeleted extends AbstractProcessEnginePlugin {

  @Override
  public void preInit(ProcessEngineConfigurationImpl configuration) {
    SessionFactories.replace(
        configuration, SessionFactories.of(EventSubscriptionManager.class, Subscriptions::new));
  }

  static final class Subscriptions extends EventSubscriptionManager {
    @Override
    public void deleteEventSubscription(EventSubscriptionEntity subscription) {
      if (subscription.isSubscriptionForEventType(EventType.MESSAGE)) {
        getDbEntityManager().delete(subscription);
      } else {
        super.deleteEventSubscription(subscription);
      }
    }
  }
}
