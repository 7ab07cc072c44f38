package dev.relay.engine;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
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
import org.camunda.bpm.engine.runtime.Job;
import org.camunda.bpm.engine.spring.components.jobexecutor.SpringJobExecutor;
import org.camunda.bpm.model.bpmn.Bpmn;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * A job run where it was created reads its instance whole before it runs: a statement per table,
 * where the engine would read the job, its execution, the instance's executions and the execution's
 * jobs one after the other. It fails as a job the job executor acquired fails.
 */
class JobsRunWhereCreatedRunTest {

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

  @Test
  void aJobThatFails_keepsItsRetries_andIsLoggedAsTheJobExecutorLogsIt() throws Exception {
    ListAppender<ILoggingEvent> jobExecutorLog = new ListAppender<>();
    Logger jobExecutorLogger =
        (Logger) LoggerFactory.getLogger("org.camunda.bpm.engine.jobexecutor");
    jobExecutorLogger.addAppender(jobExecutorLog);
    jobExecutorLog.start();
    try {
      String instance = start(Map.of()); // no messageId: the task's expression fails

      assertThat(dispatched).isEmpty();
      Job job = engine.getManagementService().createJobQuery().processInstanceId(instance)
          .singleResult();
      assertThat(job.getRetries()).isEqualTo(2);
      assertThat(job.getExceptionMessage()).contains("messageId");
      assertThat(jobExecutorLog.list)
          .filteredOn(event -> event.getLevel() == Level.WARN)
          .extracting(ILoggingEvent::getFormattedMessage)
          .singleElement()
          .satisfies(message -> assertThat(message).contains("ENGINE-14006", job.getId()));
    } finally {
      jobExecutorLogger.detachAppender(jobExecutorLog);
    }
  }

  /** Starts an instance and waits until its dispatch job, handed over at the commit, has run. */
  private String start(String messageId) throws Exception {
    return start(Map.of("messageId", messageId));
  }

  private String start(Map<String, Object> variables) throws Exception {
    String instance = runtime.startProcessInstanceByKey("dispatch", variables).getId();
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
