package dev.relay.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.spy;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;

import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;
import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.RuntimeService;
import org.camunda.bpm.engine.impl.ProcessEngineImpl;
import org.camunda.bpm.engine.impl.cfg.StandaloneInMemProcessEngineConfiguration;
import org.camunda.bpm.engine.impl.context.Context;
import org.camunda.bpm.engine.impl.util.ClockUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.support.StaticListableBeanFactory;

/**
 * A job whose activity carries {@value HeldContinuations#PROPERTY} is prepared, by a thread of its
 * own, before it is handed to the job threads; its run then has the work done for it, and only its
 * run: what it leaves is dropped after. A job without the property, or whose key cannot be
 * evaluated, or whose preparation fails, finds nothing to do or could no longer finish within the
 * job's lock, runs as it would have.
 */
class JobsRunWhereCreatedPreparedTest {

  private static final String JOB_THREAD = "job-thread";
  private static final Duration LEAST_LOCK_LEFT = Duration.ofSeconds(15);

  private final ExecutorService jobThread =
      Executors.newSingleThreadExecutor(task -> new Thread(task, JOB_THREAD));
  private final List<String> prepared = new CopyOnWriteArrayList<>();
  private final List<String> exited = new CopyOnWriteArrayList<>();
  private final Runs runs = new Runs();
  private final CountDownLatch slowStarted = new CountDownLatch(1);
  private volatile Function<String, ContinuationPreparation.Prepared> preparing;
  private ObjectProvider<ContinuationPreparation> preparations;
  private ProcessEngine engine;
  private RuntimeService runtime;

  @BeforeEach
  void engine() {
    StaticListableBeanFactory beans = new StaticListableBeanFactory();
    beans.addBean("preparation", (ContinuationPreparation) key -> {
      prepared.add(key + " on " + Thread.currentThread().getName().replaceAll("\\d+$", "N")
          + (runs.list.isEmpty() ? ", before the run" : ", after the run"));
      return preparing.apply(key);
    });
    preparations = spy(beans.getBeanProvider(ContinuationPreparation.class));
    StandaloneInMemProcessEngineConfiguration configuration =
        InMemoryEngines.with(
            "jobs-run-where-created-prepared",
            new JobsRunWhereCreated(LEAST_LOCK_LEFT, 10, preparations, 1),
            new HeldContinuations(
                new StaticListableBeanFactory().getBeanProvider(ContinuationAdmission.class)));
    configuration.setJobExecutor(InMemoryEngines.activeJobExecutor(jobThread));
    configuration.setBeans(Map.of("runs", runs));
    engine = configuration.buildProcessEngine();
    runtime = engine.getRuntimeService();
    InMemoryEngines.deployCallingTask(engine, "${runs.run(messageId)}", "${messageId}");
    InMemoryEngines.deployAsyncTask(engine);
  }

  @AfterEach
  void close() throws InterruptedException {
    InMemoryEngines.close(engine, jobThread);
  }

  @Test
  void aJobThatCalls_isPreparedOnAThreadOfItsOwn_thenRunsWithTheWorkDone() throws Exception {
    preparing = key -> new Work(key);

    String instance = start("m-1");

    assertThat(prepared).containsExactly("m-1 on relay-prepare-N, before the run");
    assertThat(runs.list).containsExactly("m-1 on job-thread, with m-1 prepared");
    assertThat(exited).as("dropped after the run").containsExactly("m-1 on job-thread");
    assertThat(runtime.createProcessInstanceQuery().processInstanceId(instance).count()).isZero();
  }

  @Test
  void thePreparation_isLookedUpOnce_notForEachJob() throws Exception {
    preparing = key -> new Work(key);

    start("m-1");
    start("m-2");

    assertThat(runs.list)
        .containsExactly("m-1 on job-thread, with m-1 prepared", "m-2 on job-thread, with m-2 prepared");
    verify(preparations, times(1)).getIfAvailable();
  }

  @Test
  void aJobWithoutTheProperty_isNotPrepared() throws Exception {
    preparing = key -> new Work(key);

    String instance = runtime.startProcessInstanceByKey("async").getId();
    jobThread.submit(() -> {}).get(10, TimeUnit.SECONDS); // queued behind the job

    assertThat(prepared).isEmpty();
    assertThat(runtime.createProcessInstanceQuery().processInstanceId(instance).count())
        .as("its job ran")
        .isZero();
  }

  @Test
  void aPreparationThatFails_orFindsNothingToDo_leavesTheJobItsWork() throws Exception {
    preparing = key -> {
      if (key.equals("m-1")) {
        throw new IllegalStateException("database down");
      }
      return null;
    };

    start("m-1");
    start("m-2");

    assertThat(prepared).hasSize(2);
    assertThat(runs.list)
        .containsExactly("m-1 on job-thread, unprepared", "m-2 on job-thread, unprepared");
  }

  @Test
  void aKeyThatCannotBeEvaluated_leavesTheJobUnprepared_notItsCreatorFailed() throws Exception {
    preparing = key -> new Work(key);

    String instance = runtime.startProcessInstanceByKey("call").getId(); // no messageId
    jobThread.submit(() -> {}).get(10, TimeUnit.SECONDS); // queued behind the job

    assertThat(prepared).isEmpty();
    assertThat(engine.getManagementService().createJobQuery().processInstanceId(instance)
            .singleResult().getExceptionMessage())
        .as("the job failed on it, as it would have")
        .contains("messageId");
  }

  @Test
  void aJobWhosePreparationsTurnCameTooLateForItsLock_runsUnprepared() throws Exception {
    CountDownLatch slowCall = new CountDownLatch(1);
    preparing = slowFor("slow", slowCall);
    runs.done = new CountDownLatch(2);

    // the one preparing thread busy with a slow call, the next job's preparation queued behind it
    runtime.startProcessInstanceByKey("call", Map.of("messageId", "slow"));
    runtime.startProcessInstanceByKey("call", Map.of("messageId", "late"));
    // the clock moves only once the slow preparation is under way, so it alone finds lock left
    assertThat(slowStarted.await(10, TimeUnit.SECONDS)).isTrue();
    long lockTime = ((ProcessEngineImpl) engine).getProcessEngineConfiguration().getJobExecutor()
        .getLockTimeInMillis();
    ClockUtil.setCurrentTime(new Date(
        System.currentTimeMillis() + lockTime - LEAST_LOCK_LEFT.toMillis() + 1000));
    slowCall.countDown();

    assertThat(runs.done.await(10, TimeUnit.SECONDS)).as("both jobs ran").isTrue();
    assertThat(prepared).singleElement().asString().startsWith("slow");
    assertThat(runs.list).containsExactlyInAnyOrder(
        "slow on job-thread, with slow prepared", "late on job-thread, unprepared");
  }

  @Test
  void jobsOneTransactionCreated_arePreparedEach_thenRunTogether_inOneCommand_inTheirKeysOrder()
      throws Exception {
    preparing = key -> new Work(key);
    runs.done = new CountDownLatch(3);

    List<String> instances = startTogether("m-3", "m-1", "m-2");

    assertThat(runs.done.await(10, TimeUnit.SECONDS)).as("the jobs ran").isTrue();
    jobThread.submit(() -> {}).get(10, TimeUnit.SECONDS);
    assertThat(prepared).hasSize(3).allMatch(p -> p.endsWith("on relay-prepare-N, before the run"));
    assertThat(runs.list).containsExactly(
        "m-1 on job-thread, with m-1 prepared",
        "m-2 on job-thread, with m-2 prepared",
        "m-3 on job-thread, with m-3 prepared");
    assertThat(runs.commands).as("one command for all three").hasSize(1);
    assertThat(exited).containsExactly("m-1 on job-thread", "m-2 on job-thread", "m-3 on job-thread");
    // each instance's next job, its own continuation, ran after them: the instances ended
    assertThat(runtime.createProcessInstanceQuery().processInstanceIds(Set.copyOf(instances)).count())
        .isZero();
  }

  @Test
  void jobsRunTogether_oneFails_nothingOfThemCommitted_eachRunsAgainOnItsOwn_withItsWorkDone()
      throws Exception {
    preparing = key -> new Work(key);
    runs.failOnce = "m-2";
    runs.done = new CountDownLatch(5); // m-1 together, then m-1, m-2 and m-3 each on their own

    List<String> instances = startTogether("m-1", "m-2", "m-3");

    assertThat(runs.done.await(10, TimeUnit.SECONDS)).as("the jobs ran").isTrue();
    jobThread.submit(() -> {}).get(10, TimeUnit.SECONDS);
    assertThat(prepared).as("prepared once each").hasSize(3);
    assertThat(runs.list).containsExactly(
        "m-1 on job-thread, with m-1 prepared",
        "m-1 on job-thread, with m-1 prepared",
        "m-2 on job-thread, with m-2 prepared",
        "m-3 on job-thread, with m-3 prepared");
    assertThat(runs.commands).as("the shared one, then one each").hasSize(4);
    assertThat(runtime.createProcessInstanceQuery().processInstanceIds(Set.copyOf(instances)).count())
        .isZero();
  }

  @Test
  void aSlowPreparation_doesNotHoldBackTheOtherJobsOfItsTransaction() throws Exception {
    CountDownLatch slowCall = new CountDownLatch(1);
    preparing = slowFor("slow", slowCall);
    runs.done = new CountDownLatch(1);

    startTogether("m-1", "slow"); // one preparing thread: m-1's first, then the slow one

    assertThat(runs.done.await(10, TimeUnit.SECONDS)).as("m-1 ran, the other still preparing").isTrue();
    assertThat(runs.list).containsExactly("m-1 on job-thread, with m-1 prepared");
    runs.done = new CountDownLatch(1);
    slowCall.countDown();
    assertThat(runs.done.await(10, TimeUnit.SECONDS)).as("then the slow one ran").isTrue();
    assertThat(runs.list).containsExactly(
        "m-1 on job-thread, with m-1 prepared", "slow on job-thread, with slow prepared");
    assertThat(runs.commands).hasSize(2);
  }

  /** Starts an instance for each message, all in one transaction. */
  private List<String> startTogether(String... messageIds) {
    return ((ProcessEngineImpl) engine).getProcessEngineConfiguration()
        .getCommandExecutorTxRequired()
        .execute(context -> Stream.of(messageIds)
            .map(id -> runtime.startProcessInstanceByKey("call", Map.of("messageId", id)).getId())
            .toList());
  }

  /** Prepares every job; the one with {@code slowKey} only once {@code released}, after it started. */
  private Function<String, ContinuationPreparation.Prepared> slowFor(
      String slowKey, CountDownLatch released) {
    return key -> {
      if (key.equals(slowKey)) {
        slowStarted.countDown();
        await(released);
      }
      return new Work(key);
    };
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Starts an instance and waits until its job has run on the job thread. */
  private String start(String messageId) throws Exception {
    runs.done = new CountDownLatch(1);
    String instance =
        runtime.startProcessInstanceByKey("call", Map.of("messageId", messageId)).getId();
    assertThat(runs.done.await(10, TimeUnit.SECONDS)).as("the job ran").isTrue();
    jobThread.submit(() -> {}).get(10, TimeUnit.SECONDS); // and its thread is done with it
    return instance;
  }

  private static final ThreadLocal<String> ENTERED = new ThreadLocal<>();

  /** Work done ahead for a message: in effect on the thread it was entered on, until exited. */
  private class Work implements ContinuationPreparation.Prepared {

    private final String key;

    Work(String key) {
      this.key = key;
    }

    @Override
    public void enter() {
      ENTERED.set(key);
    }

    @Override
    public void exit() {
      if (ENTERED.get() != null) {
        exited.add(ENTERED.get() + " on " + Thread.currentThread().getName());
      }
      ENTERED.remove();
    }
  }

  /** The tasks' work: who ran it, where, and with which work done ahead. */
  public static class Runs {

    final List<String> list = new CopyOnWriteArrayList<>();
    final Set<Object> commands = ConcurrentHashMap.newKeySet();
    volatile CountDownLatch done = new CountDownLatch(1);
    volatile String failOnce;

    public void run(String messageId) {
      if (messageId.equals(failOnce)) {
        failOnce = null;
        done.countDown();
        throw new IllegalStateException("fails once: " + messageId);
      }
      commands.add(Context.getCommandContext());
      String entered = ENTERED.get();
      list.add(messageId + " on " + Thread.currentThread().getName()
          + (entered == null ? ", unprepared" : ", with " + entered + " prepared"));
      done.countDown();
    }
  }
}
