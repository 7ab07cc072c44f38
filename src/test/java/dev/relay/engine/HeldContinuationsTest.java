package dev.relay.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.Mockito.spy;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.camunda.bpm.engine.ManagementService;
import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.impl.cfg.StandaloneInMemProcessEngineConfiguration;
import org.camunda.bpm.engine.runtime.Job;
import org.camunda.bpm.engine.runtime.ProcessInstance;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.support.StaticListableBeanFactory;

/**
 * A held asynchronous continuation: it does not run, does not fail, keeps its retries, and its
 * instance stays where it was until the job that replaced it comes due.
 */
class HeldContinuationsTest {

  private static final Instant LATER = Instant.now().plus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);

  private final List<String> asked = new CopyOnWriteArrayList<>();
  private final List<String> called = new ArrayList<>();
  private Optional<Instant> answer = Optional.empty();
  private ObjectProvider<ContinuationAdmission> admissions;
  private ProcessEngine engine;
  private ManagementService management;

  @BeforeEach
  void engine() {
    StaticListableBeanFactory beans = new StaticListableBeanFactory();
    ContinuationAdmission admission = key -> {
      asked.add(key);
      return answer;
    };
    beans.addBean("admission", admission);
    admissions = spy(beans.getBeanProvider(ContinuationAdmission.class));
    StandaloneInMemProcessEngineConfiguration configuration =
        InMemoryEngines.with("held-continuations", new HeldContinuations(admissions));
    configuration.setBeans(Map.of("called", called));
    engine = configuration.buildProcessEngine();
    management = engine.getManagementService();
    InMemoryEngines.deployCallingTask(
        engine, "${called.add(execution.processBusinessKey)}", "${execution.processBusinessKey}");
  }

  @AfterEach
  void close() {
    engine.close();
  }

  @Test
  void admitted_runsAtOnce() {
    ProcessInstance instance = engine.getRuntimeService().startProcessInstanceByKey("call", "m-1");

    management.executeJob(onlyJob().getId());

    assertThat(asked).containsExactly("m-1");
    assertThat(called).containsExactly("m-1");
    assertThat(onlyJob().getProcessInstanceId()).isEqualTo(instance.getId());
  }

  @Test
  void held_doesNotRun_doesNotFail_andWaitsAsAJobDueThen() {
    ProcessInstance instance = engine.getRuntimeService().startProcessInstanceByKey("call", "m-1");
    Job first = onlyJob();
    answer = Optional.of(LATER);

    management.executeJob(first.getId());

    assertThat(called).isEmpty();
    Job held = onlyJob();
    assertThat(held.getId()).isNotEqualTo(first.getId());
    assertThat(held.getDuedate()).isEqualTo(Date.from(LATER));
    assertThat(held.getRetries()).isEqualTo(first.getRetries());
    assertThat(held.getExceptionMessage()).isNull();
    assertThat(held.getJobDefinitionId()).isEqualTo(first.getJobDefinitionId());
    assertThat(engine.getRuntimeService().getActiveActivityIds(instance.getId()))
        .containsExactly("Task_Call");
    assertThat(engine.getRuntimeService().createIncidentQuery().count()).isZero();

    answer = Optional.empty();
    management.executeJob(held.getId());

    assertThat(called).containsExactly("m-1");
  }

  @Test
  void theAdmission_isLookedUpOnce_notForEachJob() {
    engine.getRuntimeService().startProcessInstanceByKey("call", "m-1");
    engine.getRuntimeService().startProcessInstanceByKey("call", "m-2");

    management.createJobQuery().list().forEach(job -> management.executeJob(job.getId()));

    assertThat(asked).containsExactlyInAnyOrder("m-1", "m-2");
    verify(admissions, times(1)).getIfAvailable();
  }

  @Test
  void aKeyThatIsNotAnExpression_failsTheDeployment_notEachJob() {
    assertThatThrownBy(
            () -> InMemoryEngines.deployCallingTask(engine, "${true}", "${messageId"))
        .hasMessageContaining("${messageId");
    assertThat(engine.getRepositoryService().createProcessDefinitionQuery().count())
        .as("only the diagram deployed before")
        .isEqualTo(1);
  }

  @Test
  void anActivityWithoutTheProperty_isNeverAsked() {
    engine.getRuntimeService().startProcessInstanceByKey("call", "m-1");
    management.executeJob(onlyJob().getId());
    asked.clear();

    management.executeJob(onlyJob().getId()); // Task_Plain

    assertThat(asked).isEmpty();
    assertThat(engine.getRuntimeService().createProcessInstanceQuery().count()).isZero();
  }

  private Job onlyJob() {
    return management.createJobQuery().singleResult();
  }
}
