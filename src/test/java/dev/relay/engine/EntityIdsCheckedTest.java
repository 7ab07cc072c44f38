package dev.relay.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.ProcessEngineException;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.persistence.entity.EventSubscriptionEntity;
import org.camunda.bpm.model.bpmn.Bpmn;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class EntityIdsCheckedTest {

  private ProcessEngine engine;

  @BeforeEach
  void engine() {
    engine = InMemoryEngines.with("entity-ids", new EntityIdsChecked()).buildProcessEngine();
  }

  @AfterEach
  void close() {
    engine.close();
  }

  @Test
  void theEngineRunsOnTheManager_whichStillRefusesAMissingOrReservedId() {
    engine.getRepositoryService().createDeployment()
        .addModelInstance("wait.bpmn", Bpmn.createExecutableProcess("wait")
            .camundaHistoryTimeToLive(1)
            .startEvent().intermediateCatchEvent().message("go")
            .endEvent().done())
        .deploy();
    engine.getRuntimeService().startProcessInstanceByKey("wait", "k-1");
    engine.getRuntimeService().correlateMessage("go", "k-1");
    assertThat(engine.getHistoryService().createHistoricProcessInstanceQuery().finished().count())
        .isEqualTo(1);

    var commands = ((ProcessEngineConfigurationImpl) engine.getProcessEngineConfiguration())
        .getCommandExecutorTxRequired();
    Object manager = commands.execute(context -> context.getDbEntityManager());
    assertThat(manager).isInstanceOf(EntityIdsChecked.Manager.class);
    EntityIdsChecked.Manager checks = (EntityIdsChecked.Manager) manager;
    EventSubscriptionEntity entity = new EventSubscriptionEntity();
    assertThatThrownBy(() -> checks.validateId(entity))
        .isInstanceOf(ProcessEngineException.class)
        .hasMessageContaining("has an invalid id: id is null");
    entity.setId("*");
    assertThatThrownBy(() -> checks.validateId(entity))
        .isInstanceOf(ProcessEngineException.class)
        .hasMessageContaining("is a reserved identifier");
  }
}
