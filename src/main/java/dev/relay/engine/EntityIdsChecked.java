package dev.relay.engine;

import org.camunda.bpm.engine.authorization.Authorization;
import org.camunda.bpm.engine.impl.cfg.AbstractProcessEnginePlugin;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.context.Context;
import org.camunda.bpm.engine.impl.db.DbEntity;
import org.camunda.bpm.engine.impl.db.PersistenceSession;
import org.camunda.bpm.engine.impl.db.entitymanager.DbEntityManager;
import org.camunda.bpm.engine.impl.db.entitymanager.DbEntityManagerFactory;
import org.springframework.stereotype.Component;

/**
 * The engine's entity manager, checking an inserted entity's id as it does but building the error
 * message only when the id is invalid: the engine builds it, with the entity's {@code toString},
 * for every insert (a job, a timer, a subscription, an execution: some 1.5 % of a node's CPU).
 */
@Component
class EntityIdsChecked extends AbstractProcessEnginePlugin {

  @Override
  public void preInit(ProcessEngineConfigurationImpl configuration) {
    SessionFactories.replace(configuration, new Factory(configuration));
  }

  private static final class Factory extends DbEntityManagerFactory {
    private final ProcessEngineConfigurationImpl configuration;

    Factory(ProcessEngineConfigurationImpl configuration) {
      super(null); // the id generator is only known after init: read it when a session opens
      this.configuration = configuration;
    }

    @Override
    public DbEntityManager openSession() {
      PersistenceSession persistence =
          Context.getCommandContext().getSession(PersistenceSession.class);
      return new Manager(configuration, persistence);
    }
  }

  static final class Manager extends DbEntityManager {
    Manager(ProcessEngineConfigurationImpl configuration, PersistenceSession persistence) {
      super(configuration.getIdGenerator(), persistence);
    }

    @Override
    protected void validateId(DbEntity entity) {
      // the engine refuses a missing id and the reserved "*"
      if (entity.getId() == null || Authorization.ANY.equals(entity.getId())) {
        super.validateId(entity);
      }
    }
  }
}
