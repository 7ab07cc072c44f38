package dev.relay.engine;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.concurrent.CompletableFuture;
import org.camunda.bpm.engine.OptimisticLockingException;
import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.camunda.bpm.engine.impl.context.Context;
import org.camunda.bpm.engine.impl.interceptor.CommandContext;
import org.camunda.bpm.engine.variable.Variables;
import org.camunda.bpm.model.bpmn.Bpmn;
import org.camunda.bpm.model.bpmn.BpmnModelInstance;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A job that fails after another transaction committed a change to its instance is reported as
 * the collision it is; a job that fails on its own keeps its failure.
 */
class MovedOnMeanwhileTest {

  private ProcessEngine engine;

  @BeforeEach
  void engine() {
    engine = InMemoryEngines.with("moved-on-" + System.nanoTime(), new MovedOnMeanwhile())
        .buildProcessEngine();
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
