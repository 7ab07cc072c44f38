package dev.relay.engine;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.RuntimeService;
import org.camunda.bpm.engine.impl.ProcessEngineImpl;
import org.camunda.bpm.engine.impl.cfg.StandaloneInMemProcessEngineConfiguration;
import org.camunda.bpm.engine.impl.persistence.entity.JobEntity;
import org.camunda.bpm.engine.impl.util.ClockUtil;
import org.camunda.bpm.engine.runtime.Job;
import org.camunda.bpm.model.bpmn.Bpmn;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * A job run where it was created reads its instance whole before it runs: a statement per table,
 * where the engine would read the job, its execution, the instance's executions and the execution's
 * jobs one after the other. It fails as a job the job executor acquired fails. One that waited so
 * long for a job thread that its lock runs short renews the lock before it runs, unless another
 * node has taken the job over since the lock ran out.
 */
class JobsRunWhereCreatedRunTest {

  private static final String JOB_THREAD = "job-thread";
  private static final Duration LEAST_LOCK_LEFT = Duration.ofSeconds(15);
  private static final String ANOTHER_NODE = "another-node";

  private final List<String> jobStatements = new CopyOnWriteArrayList<>();
  private final List<String> dispatched = new CopyOnWriteArrayList<>();
  // another node's commit, once, as the instance's executions are about to be read
  private final AtomicReference<Runnable> beforeExecutionsRead = new AtomicReference<>();
  // another node's acquisition, once, as the job thread is about to renew the job's lock
  private final AtomicReference<Runnable> beforeJobUpdated = new AtomicReference<>();
  private final ExecutorService jobThread =
      Executors.newSingleThreadExecutor(task -> new Thread(task, JOB_THREAD));
  private ProcessEngine engine;
  private RuntimeService runtime;

  @BeforeEach
  void engine() {
    StandaloneInMemProcessEngineConfiguration configuration =
        InMemoryEngines.with(
            "jobs-run-where-created-reads", InMemoryEngines.runningJobsWhereCreated(LEAST_LOCK_LEFT, 10));
    Consumer<String> meanwhile = StatementsNoted.beforeExecutionsRead(beforeExecutionsRead)
        .andThen(StatementsNoted.before("update ACT_RU_JOB", beforeJobUpdated));
    configuration.setDataSource(StatementsNoted.onH2("jobs-run-where-created-reads", sql -> {
      if (Thread.currentThread().getName().equals(JOB_THREAD)) {
        jobStatements.add(sql.replaceAll("\\s+", " ").trim());
        meanwhile.accept(sql);
      }
    }));
    configuration.setJobExecutor(InMemoryEngines.activeJobExecutor(jobThread));
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
    InMemoryEngines.close(engine, jobThread);
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
    assertThat(jobStatements).as("its lock lasts: not renewed").noneMatch(JobsRunWhereCreatedRunTest::updatesAJob);
  }

  @Test
  void aJobWhoseLockRanOutWhileItWaited_andNobodyTookIt_isRelockedAndRuns() throws Exception {
    String instance = startBehindABusyJobThread("m-1", this::passTheLock);

    assertThat(dispatched).containsExactly("m-1");
    assertThat(runtime.getActiveActivityIds(instance)).containsExactly("Task_Await");
    assertThat(jobStatements)
        .as("the lock renewed, then the job run")
        .filteredOn(JobsRunWhereCreatedRunTest::updatesAJob)
        .singleElement()
        .satisfies(sql -> assertThat(jobStatements.indexOf(sql)).isLessThan(firstRead("ACT_RU_EXECUTION")));
  }

  @Test
  void aJobAnotherNodeTookOver_afterItsLockRanOut_isLeftToThatNode() throws Exception {
    String instance = startBehindABusyJobThread("m-1", () -> {
      passTheLock();
      InMemoryEngines.onAnotherThread(this::anotherNodeAcquires);
    });

    assertThatTheJobIsLeftToAnotherNode(instance);
  }

  @Test
  void aJobAnotherNodeAcquires_asItsLockIsRenewed_isLeftToThatNode() throws Exception {
    String instance = startBehindABusyJobThread("m-1", () -> {
      passTheLock();
      beforeJobUpdated.set(this::anotherNodeAcquires);
    });

    assertThat(beforeJobUpdated.get()).isNull(); // it did come between the renewal's read and update
    assertThatTheJobIsLeftToAnotherNode(instance);
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

  private void assertThatTheJobIsLeftToAnotherNode(String instance) {
    assertThat(dispatched).isEmpty();
    assertThat(runtime.getActiveActivityIds(instance)).containsExactly("Task_Dispatch");
    assertThat(engine.getManagementService().createJobQuery().processInstanceId(instance).list())
        .singleElement()
        .satisfies(job -> assertThat(((JobEntity) job).getLockOwner()).isEqualTo(ANOTHER_NODE));
  }

  /**
   * Starts an instance while the job thread is busy, so that its dispatch waits; does {@code
   * meanwhile}, lets the thread go on, and waits until the dispatch has had its turn.
   */
  private String startBehindABusyJobThread(String messageId, Runnable meanwhile) throws Exception {
    CountDownLatch busy = new CountDownLatch(1);
    jobThread.execute(() -> {
      try {
        busy.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    String instance = runtime.startProcessInstanceByKey("dispatch", Map.of("messageId", messageId))
        .getId();
    meanwhile.run();
    busy.countDown();
    jobThread.submit(() -> {}).get(10, TimeUnit.SECONDS);
    return instance;
  }

  /** The engine's clock a second past the lock this node took when it created the job. */
  private void passTheLock() {
    long lockTime = ((ProcessEngineImpl) engine).getProcessEngineConfiguration().getJobExecutor()
        .getLockTimeInMillis();
    ClockUtil.setCurrentTime(new Date(System.currentTimeMillis() + lockTime + 1000));
  }

  /** As another node's acquisition locks a job whose lock has run out. */
  private void anotherNodeAcquires() {
    ((ProcessEngineImpl) engine).getProcessEngineConfiguration().getCommandExecutorTxRequired()
        .execute(context -> {
          JobEntity job = context.getJobManager().findJobsByProcessInstanceId(
              runtime.createProcessInstanceQuery().singleResult().getId()).get(0);
          job.setLockOwner(ANOTHER_NODE);
          job.setLockExpirationTime(new Date(ClockUtil.getCurrentTime().getTime() + 300_000));
          return null;
        });
  }

  private static boolean updatesAJob(String sql) {
    return sql.startsWith("update ACT_RU_JOB");
  }

  private int firstRead(String table) {
    for (int i = 0; i < jobStatements.size(); i++) {
      if (jobStatements.get(i).startsWith("select * from " + table + " ")) {
        return i;
      }
    }
    return -1;
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
}
