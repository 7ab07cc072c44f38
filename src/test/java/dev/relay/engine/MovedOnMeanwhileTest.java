package dev.relay.engine;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.camunda.bpm.engine.OptimisticLockingException;
import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.exception.NullValueException;
import org.camunda.bpm.engine.impl.cfg.CommandChecker;
import org.camunda.bpm.engine.impl.cfg.StandaloneInMemProcessEngineConfiguration;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.camunda.bpm.engine.impl.context.Context;
import org.camunda.bpm.engine.impl.interceptor.CommandContext;
import org.camunda.bpm.engine.impl.persistence.entity.JobEntity;
import org.camunda.bpm.engine.variable.Variables;
import org.camunda.bpm.model.bpmn.Bpmn;
import org.camunda.bpm.model.bpmn.BpmnModelInstance;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A job that fails after another transaction committed a change to its instance, or deleted the
 * job with its execution, is reported as the collision it is; a job that fails on its own keeps
 * its failure.
 */
class MovedOnMeanwhileTest {

  private ProcessEngine engine;

  private String database;

  /** What another transaction commits after a job's row is read, before its execution's is. */
  private Consumer<JobEntity> whileTheJobIsRead = job -> {};

  @BeforeEach
  void engine() {
    database = "moved-on-" + System.nanoTime();
    StandaloneInMemProcessEngineConfiguration configuration =
        InMemoryEngines.with(database, new MovedOnMeanwhile());
    // the engine consults its command checkers between reading a job and running it
    configuration.setCommandCheckers(List.of((CommandChecker) Proxy.newProxyInstance(
        getClass().getClassLoader(), new Class<?>[] {CommandChecker.class}, (checker, method, args) -> {
          if (method.getName().equals("checkUpdateJob")) {
            whileTheJobIsRead.accept((JobEntity) args[0]);
          }
          return null;
        })));
    engine = configuration.buildProcessEngine();
    BpmnModelInstance model = Bpmn.createExecutableProcess("Moved")
        .camundaHistoryTimeToLive(1)
        .startEvent()
        .intermediateCatchEvent().timerWithDuration("PT1M")
        .serviceTask().camundaClass(FailsWhileMovedOn.class.getName())
        .endEvent()
        .done();
    engine.getRepositoryService().createDeployment().addModelInstance("moved.bpmn", model).deploy();
  }

  @AfterEach
  void close() {
    engine.close();
  }

  @Test
  void failingAfterAnotherCommitMovedTheInstance_isACollision() {
    String instance = engine.getRuntimeService().startProcessInstanceByKey("Moved",
        Variables.putValue("moveOnMeanwhile", true)).getId();

    assertThatThrownBy(() -> engine.getManagementService().executeJob(timerOf(instance)))
        .isInstanceOf(OptimisticLockingException.class)
        .hasRootCauseInstanceOf(NullPointerException.class);
  }

  @Test
  void failingOnItsOwn_staysTheFailureItIs() {
    String instance = engine.getRuntimeService().startProcessInstanceByKey("Moved",
        Variables.putValue("moveOnMeanwhile", false)).getId();

    assertThatThrownBy(() -> engine.getManagementService().executeJob(timerOf(instance)))
        .isInstanceOf(NullPointerException.class);
  }

  @Test
  void jobDeletedWithItsExecutionBeforeTheEngineReadTheExecution_isACollision() {
    String instance = engine.getRuntimeService().startProcessInstanceByKey("Moved").getId();
    whileTheJobIsRead = job -> commit( // as the ACK's webhook does
        "delete from act_ru_job where id_ = ?", job.getId(),
        "delete from act_ru_execution where id_ = ?", job.getExecutionId());

    assertThatThrownBy(() -> engine.getManagementService().executeJob(timerOf(instance)))
        .isInstanceOf(OptimisticLockingException.class)
        .hasCauseInstanceOf(NullValueException.class);
  }

  @Test
  void executionMissingUnderAJobThatStillExists_staysTheEngineError() {
    String instance = engine.getRuntimeService().startProcessInstanceByKey("Moved").getId();
    whileTheJobIsRead =
        job -> commit("delete from act_ru_execution where id_ = ?", job.getExecutionId());

    assertThatThrownBy(() -> engine.getManagementService().executeJob(timerOf(instance)))
        .isInstanceOf(NullValueException.class)
        .hasMessageContaining("Cannot find execution");
  }

  /** Runs the statements, each with its one parameter, in a transaction of its own. */
  private void commit(String... statementsAndIds) {
    try (Connection other = DriverManager.getConnection(InMemoryEngines.url(database), "sa", "")) {
      for (int i = 0; i < statementsAndIds.length; i += 2) {
        try (PreparedStatement statement = other.prepareStatement(statementsAndIds[i])) {
          statement.setString(1, statementsAndIds[i + 1]);
          statement.executeUpdate();
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private String timerOf(String instance) {
    return engine.getManagementService().createJobQuery().processInstanceId(instance).singleResult().getId();
  }

  /** Lets another transaction move its instance on first, if told to; then fails as a half-read would. */
  public static class FailsWhileMovedOn implements JavaDelegate {
    @Override
    public void execute(DelegateExecution execution) throws Exception {
      if (Boolean.TRUE.equals(execution.getVariable("moveOnMeanwhile"))) {
        CommandContext context = Context.getCommandContext();
        String instance = execution.getProcessInstanceId();
        CompletableFuture.runAsync(() -> {
          try (Connection other = context.getProcessEngineConfiguration().getDataSource().getConnection();
              PreparedStatement move = other.prepareStatement(
                  "update act_ru_execution set rev_ = rev_ + 1 where proc_inst_id_ = ?")) {
            move.setString(1, instance);
            move.executeUpdate();
          } catch (SQLException e) {
            throw new IllegalStateException(e);
          }
        }).join();
      }
      throw new NullPointerException("a variable that was there is gone");
    }
  }
}
