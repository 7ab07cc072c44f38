package dev.relay.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.camunda.bpm.engine.HistoryService;
import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.RuntimeService;
import org.camunda.bpm.engine.impl.cfg.StandaloneInMemProcessEngineConfiguration;
import org.camunda.bpm.engine.runtime.ProcessInstance;
import org.camunda.bpm.model.bpmn.Bpmn;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class InstanceHistoryLevelTest {

  private ProcessEngine engine;

  @BeforeEach
  void engine() {
    StandaloneInMemProcessEngineConfiguration configuration =
        InMemoryEngines.with("history-level", new InstanceHistoryLevel());
    configuration.setHistory(InstanceHistoryLevel.NAME);
    engine = configuration.buildProcessEngine();
    engine.getRepositoryService().createDeployment()
        .addModelInstance("wait.bpmn", Bpmn.createExecutableProcess("wait")
            .camundaHistoryTimeToLive(1)
            .startEvent().intermediateCatchEvent("Event_Go").message("go")
            .serviceTask("Task_Fail").camundaAsyncBefore().camundaExpression("${1 / 0}")
            .endEvent().done())
        .deploy();
  }

  @AfterEach
  void close() {
    engine.close();
  }

  @Test
  void keepsInstancesAndIncidentsButNoActivitiesOrVariables() {
    RuntimeService runtime = engine.getRuntimeService();
    ProcessInstance instance =
        runtime.startProcessInstanceByKey("wait", "m-1", Map.of("channel", "sms"));
    runtime.correlateMessage("go", "m-1");
    String job = engine.getManagementService().createJobQuery().singleResult().getId();
    engine.getManagementService().setJobRetries(job, 0); // an incident, as after failed retries

    HistoryService history = engine.getHistoryService();
    assertThat(history.createHistoricProcessInstanceQuery().processInstanceBusinessKey("m-1")
        .singleResult().getId()).isEqualTo(instance.getId());
    assertThat(history.createHistoricIncidentQuery().processInstanceId(instance.getId()).count())
        .isEqualTo(1);
    assertThat(history.createHistoricActivityInstanceQuery().count()).isZero();
    assertThat(history.createHistoricVariableInstanceQuery().count()).isZero();
    assertThat(history.createHistoricDetailQuery().count()).isZero();

    runtime.deleteProcessInstance(instance.getId(), "repaired");
    assertThat(history.createHistoricProcessInstanceQuery().completed().count()).isZero();
    assertThat(history.createHistoricProcessInstanceQuery().processInstanceId(instance.getId())
        .singleResult().getEndTime()).isNotNull();
  }
}
