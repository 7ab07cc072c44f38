package dev.relay.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.util.concurrent.atomic.AtomicLong;
import org.camunda.bpm.engine.ManagementService;
import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.persistence.entity.ProcessDefinitionEntity;
import org.camunda.bpm.engine.runtime.Job;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Jobs and instances see their definitions' suspension, priority and time-to-live as the engine's
 * own reads would show them, at most a second late for a change made on another node.
 */
class DefinitionsKeptTest {

  private static final String DATABASE = "job-definitions";
  private static final String URL = InMemoryEngines.url(DATABASE);

  private final AtomicLong nanos = new AtomicLong();
  private ProcessEngine engine;
  private ManagementService management;
  private String definition;

  @BeforeEach
  void engine() {
    engine = InMemoryEngines.with(DATABASE, new DefinitionsKept(nanos::get)).buildProcessEngine();
    InMemoryEngines.deployAsyncTask(engine);
    management = engine.getManagementService();
    definition = management.createJobDefinitionQuery().singleResult().getId();
  }

  @AfterEach
  void close() {
    engine.close();
  }

  private Job newJob(String businessKey) {
    String instance =
        engine.getRuntimeService().startProcessInstanceByKey("async", businessKey).getId();
    return management.createJobQuery().processInstanceId(instance).singleResult();
  }

  @Test
  void suspendedThroughThisEngine_theNextJobIsSuspendedAtOnce() {
    assertThat(newJob("k-1").isSuspended()).isFalse(); // the definition is kept from here on

    management.suspendJobDefinitionById(definition);

    assertThat(newJob("k-2").isSuspended()).isTrue();
    management.activateJobDefinitionById(definition);
    assertThat(newJob("k-3").isSuspended()).isFalse();
  }

  @Test
  void changedByAnotherNode_seenOnceTheKeptReadIsASecondOld() throws Exception {
    assertThat(newJob("k-1").getPriority()).isZero();
    // another node: the same row, changed behind this engine's back
    try (Connection other = DriverManager.getConnection(URL, "sa", "");
        PreparedStatement update = other.prepareStatement(
            "update ACT_RU_JOBDEF set JOB_PRIORITY_ = 7, REV_ = REV_ + 1 where ID_ = ?")) {
      update.setString(1, definition);
      assertThat(update.executeUpdate()).isEqualTo(1);
    }

    nanos.addAndGet(DefinitionsKept.FRESH_FOR.toNanos() - 1);
    assertThat(newJob("k-2").getPriority()).as("within the second: the kept read").isZero();
    nanos.addAndGet(1);
    assertThat(newJob("k-3").getPriority()).as("a second later: read again").isEqualTo(7);
  }

  @Test
  void aProcessDefinitionKeptIsItsRowColumnForColumn_andAnotherNodesChangeShowsASecondLater()
      throws Exception {
    var commands = ((ProcessEngineConfigurationImpl) engine.getProcessEngineConfiguration())
        .getCommandExecutorTxRequired();
    String id = engine.getRepositoryService().createProcessDefinitionQuery().singleResult().getId();
    Object read = commands.execute(c -> c.getProcessDefinitionManager().findLatestProcessDefinitionById(id));
    ProcessDefinitionEntity row = (ProcessDefinitionEntity) read;

    ProcessDefinitionEntity kept = commands.execute(
        c -> c.getProcessDefinitionManager().findLatestProcessDefinitionById(id));
    assertThat(kept).isNotSameAs(row).usingRecursiveComparison().isEqualTo(row);

    try (Connection other = DriverManager.getConnection(URL, "sa", "");
        PreparedStatement update = other.prepareStatement(
            "update ACT_RE_PROCDEF set HISTORY_TTL_ = 9, REV_ = REV_ + 1 where ID_ = ?")) {
      update.setString(1, id);
      assertThat(update.executeUpdate()).isEqualTo(1);
    }
    assertThat(commands.execute(c -> c.getProcessDefinitionManager().findLatestProcessDefinitionById(id))
        .getHistoryTimeToLive()).isEqualTo(1);
    nanos.addAndGet(DefinitionsKept.FRESH_FOR.toNanos());
    assertThat(commands.execute(c -> c.getProcessDefinitionManager().findLatestProcessDefinitionById(id))
        .getHistoryTimeToLive()).isEqualTo(9);
  }

  @Test
  void aJobRunsWithItsDefinitionKept() {
    Job job = newJob("k-1");
    newJob("k-2"); // kept now

    management.executeJob(job.getId());

    assertThat(management.createJobQuery().count()).isEqualTo(1);
    assertThat(engine.getHistoryService().createHistoricProcessInstanceQuery().finished().count())
        .isEqualTo(1);
  }
}
