package dev.relay.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.RuntimeService;
import org.camunda.bpm.engine.impl.cfg.StandaloneInMemProcessEngineConfiguration;
import org.camunda.bpm.engine.spring.components.jobexecutor.SpringJobExecutor;
import org.camunda.bpm.model.bpmn.Bpmn;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A job run where it was created reads its instance whole before it runs: a statement per table,
 * where the engine would read the job, its execution, the instance's executions and the execution's
 * jobs one after the other.
 */
class JobsRunWhereCreatedReadsTest {

  private static final String JOB_THREAD = "job-thread";

  private final List<String> jobStatements = new CopyOnWriteArrayList<>();
  private final List<String> dispatched = new CopyOnWriteArrayList<>();
  // another node's commit, once, as the instance's executions are about to be read
  private final AtomicReference<Runnable> beforeExecutionsRead = new AtomicReference<>();
  private final ExecutorService jobThread =
      Executors.newSingleThreadExecutor(task -> new Thread(task, JOB_THREAD));
  private ProcessEngine engine;
  private RuntimeService runtime;

  @BeforeEach
  void engine() {
    StandaloneInMemProcessEngineConfiguration configuration =
        InMemoryEngines.with("jobs-run-where-created-reads", new JobsRunWhereCreated());
    Consumer<String> meanwhile = StatementsNoted.beforeExecutionsRead(beforeExecutionsRead);
    configuration.setDataSource(StatementsNoted.onH2("jobs-run-where-created-reads", sql -> {
      if (Thread.currentThread().getName().equals(JOB_THREAD)) {
        jobStatements.add(sql.replaceAll("\\s+", " ").trim());
        meanwhile.accept(sql);
      }
    }));
    configuration.setJobExecutor(new ActiveJobExecutor());
    configuration.setBeans(Map.of("dispatched", dispatched));
    engine = configuration.buildProcessEngine();
    runtime = engine.getRuntimeService();
    // as the room's dispatch: an asynchronous task, then a wait in a scope of its own
    engine.getRepositoryService().createDeployment()
        .addModelInstance("dispatch.bpmn", Bpmn.createExecutableProcess("dispatch")
            .camundaHistoryTimeToLive(1)
            .startEvent()
            .serviceTask("Task_Dispatch").camundaAsyncBefore()
            .camundaExpression("${dispatched.add(messageId)}")
            .receiveTask("Task_Await").message("Reported")
            .boundaryEvent("Timer_Gate").timerWithDuration("PT1H").endEvent()
            .moveToActivity("Task_Await")
            .endEvent()
            .done())
        .deploy();
  }

  @AfterEach
  void close() throws InterruptedException {
    jobThread.shutdown();
    jobThread.awaitTermination(10, TimeUnit.SECONDS);
    engine.close();
  }

  @Test
  void theJobRuns_onItsInstanceReadWhole_aStatementPerTable() throws Exception {
    String instance = start("m-1");

    assertThat(dispatched).containsExactly("m-1");
    assertThat(runtime.getActiveActivityIds(instance)).containsExactly("Task_Await");
    assertThat(engine.getManagementService().createJobQuery().processInstanceId(instance).list())
        .singleElement()
        .satisfies(job -> assertThat(job.getDuedate()).isNotNull()); // the gate's timer, no more
    assertThat(reads("ACT_RU_EXECUTION")).containsExactly("PROC_INST_ID_");
    assertThat(reads("ACT_RU_JOB")).containsExactly("PROCESS_INSTANCE_ID_");
    assertThat(jobStatements).filteredOn(sql -> sql.contains("FROM ACT_RU_VARIABLE")).hasSize(1);
  }

  @Test
  void anInstanceCancelledBetweenItsReads_runsNothing() throws Exception {
    beforeExecutionsRead.set(() -> runtime.deleteProcessInstance(
        runtime.createProcessInstanceQuery().singleResult().getId(), "cancelled"));

    String instance = start("m-1");

    assertThat(beforeExecutionsRead.get()).isNull(); // it did come between the reads
    assertThat(dispatched).isEmpty();
    assertThat(runtime.createProcessInstanceQuery().processInstanceId(instance).count()).isZero();
    assertThat(engine.getManagementService().createJobQuery().count()).isZero();
  }

  /** Starts an instance and waits until its dispatch job, handed over at the commit, has run. */
  private String start(String messageId) throws Exception {
    String instance = runtime.startProcessInstanceByKey("dispatch", Map.of("messageId", messageId))
        .getId();
    jobThread.submit(() -> {}).get(10, TimeUnit.SECONDS); // queued behind the job
    return instance;
  }

  /** The column each read of the table on the job's thread selects its rows by. */
  private List<String> reads(String table) {
    return jobStatements.stream()
        .filter(sql -> sql.startsWith("select * from " + table + " "))
        .map(sql -> sql.replaceAll(".* where \\(?(?:\\w+\\.)?(\\w+) = .*", "$1"))
        .toList();
  }

  /** Active without acquisition running; its job threads are the one thread of this test. */
  private class ActiveJobExecutor extends SpringJobExecutor {

    ActiveJobExecutor() {
      setTaskExecutor(jobThread::execute);
    }

    @Override
    public boolean isActive() {
      return true;
    }
  }
}
