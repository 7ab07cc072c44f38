package dev.relay.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.RuntimeService;
import org.camunda.bpm.engine.impl.cfg.StandaloneInMemProcessEngineConfiguration;
import org.camunda.bpm.engine.impl.jobexecutor.ProcessEventJobHandler;
import org.camunda.bpm.engine.impl.persistence.entity.JobEntity;
import org.camunda.bpm.model.bpmn.Bpmn;
import org.camunda.bpm.model.bpmn.BpmnModelInstance;
import org.camunda.bpm.model.bpmn.instance.SignalEventDefinition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MessageSubscriptionsDeletedTest {

  private final List<String> statements = new CopyOnWriteArrayList<>();
  private ProcessEngine engine;
  private RuntimeService runtime;

  @BeforeEach
  void engine() {
    StandaloneInMemProcessEngineConfiguration configuration =
        new StandaloneInMemProcessEngineConfiguration();
    configuration.setDataSource(StatementsNoted.onH2("message-subscriptions", statements::add));
    configuration.setJobExecutorActivate(false);
    configuration.setProcessEnginePlugins(List.of(new MessageSubscriptionsDeleted()));
    engine = configuration.buildProcessEngine();
    runtime = engine.getRuntimeService();
    engine.getRepositoryService().createDeployment()
        .addModelInstance("message.bpmn", Bpmn.createExecutableProcess("message")
            .camundaHistoryTimeToLive(1)
            .startEvent().intermediateCatchEvent().message("go").endEvent().done())
        .addModelInstance("signal.bpmn", Bpmn.createExecutableProcess("signal")
            .camundaHistoryTimeToLive(1)
            .startEvent().intermediateCatchEvent().signal("s").endEvent().done())
        .addModelInstance("throw.bpmn", asyncSignalThrown("s"))
        .deploy();
  }

  @AfterEach
  void close() {
    engine.close();
  }

  @Test
  void aReceivedMessageEndsItsSubscription_withoutLookingForEventJobs() {
    String instance = runtime.startProcessInstanceByKey("message", "k-1").getId();
    statements.clear();

    runtime.correlateMessage("go", "k-1");

    assertThat(runtime.createProcessInstanceQuery().processInstanceId(instance).count()).isZero();
    assertThat(runtime.createEventSubscriptionQuery().count()).isZero();
    assertThat(statements).anyMatch(sql -> sql.contains("delete from ACT_RU_EVENT_SUBSCR"))
        .noneMatch(sql -> sql.contains("HANDLER_CFG_"));
  }

  @Test
  void anInstanceCancelledWithAnAsyncSignalPending_losesThatSignalsJobAsTheEngineWould() {
    String waiting = runtime.startProcessInstanceByKey("signal").getId();
    runtime.startProcessInstanceByKey("throw");
    assertThat(eventJobs()).isEqualTo(1);

    runtime.deleteProcessInstance(waiting, "cancelled");

    assertThat(runtime.createEventSubscriptionQuery().count()).isZero();
    assertThat(eventJobs()).isZero();
  }

  private static BpmnModelInstance asyncSignalThrown(String signal) {
    BpmnModelInstance process = Bpmn.createExecutableProcess("throw")
        .camundaHistoryTimeToLive(1)
        .startEvent().intermediateThrowEvent().signal(signal).endEvent().done();
    process.getModelElementsByType(SignalEventDefinition.class)
        .forEach(definition -> definition.setCamundaAsync(true));
    return process;
  }

  private long eventJobs() {
    return engine.getManagementService().createJobQuery().list().stream()
        .filter(job -> ((JobEntity) job).getJobHandlerType().equals(ProcessEventJobHandler.TYPE))
        .count();
  }
}
