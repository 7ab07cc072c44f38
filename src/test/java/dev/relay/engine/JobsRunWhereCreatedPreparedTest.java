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
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.RuntimeService;
import org.camunda.bpm.engine.impl.ProcessEngineImpl;
import org.camunda.bpm.engine.impl.cfg.StandaloneInMemProcessEngineConfiguration;
import org.camunda.bpm.engine.impl.context.Context;
import org.camunda.bpm.engine.impl.persistence.entity.JobEntity;
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
 * evaluated, or whose preparation fails or finds nothing to do, runs as it would have. A job whose
 * preparation's turn comes late for its lock has the lock renewed first, unless another node has
 * taken it over; prepared, it needs only the margin for its database work left when it runs.
 */
class JobsRunWhereCreatedPreparedTest {

  private static final String JOB_THREAD = "job-thread";
  private static final Duration LEAST_LOCK_LEFT = Duration.ofSeconds(15);
  private static final String ANOTHER_NODE = "another-node";
  // long enough for a transaction's quick preparations on any machine: a group's run must not
  // depend on how fast the preparing thread's first work is (the node's window is 5 ms)
  private static final Duration GATHERING = Duration.ofSeconds(1);

  private final ExecutorService jobThread =
      Executors.newSingleThreadExecutor(task -> new Thread(task, JOB_THREAD));
  private final List<String> prepared = new CopyOnWriteArrayList<>();
  private final List<String> exited = new CopyOnWriteArrayList<>();
  private final Runs runs = new Runs();
  private final CountDownLatch slowStarted = new CountDownLatch(1);
  // by late message: how long its job's lock still lasted as its preparation began
  private final Map<String, Long> lockLeftWhenPrepared = new ConcurrentHashMap<>();
  // the threads that updated a job: none but a lock's renewal here
  private final List<String> jobUpdates = new CopyOnWriteArrayList<>();
  private JobsRunWhereCreated plugin;
  private volatile Function<String, ContinuationPreparation.Prepared> preparing;
  private ObjectProvider<ContinuationPreparation> preparations;
  private ProcessEngine engine;
  private RuntimeService runtime;

  @BeforeEach
  void engine() {
    StaticListableBeanFactory beans = new StaticListableBeanFactory();
    beans.addBean("preparation", (ContinuationPreparation) key -> {
      prepared.add(key + " on " + threadName()
          + (runs.list.isEmpty() ? ", before the run" : ", after the run"));
      return preparing.apply(key);
    });
    preparations = spy(beans.getBeanProvider(ContinuationPreparation.class));
    StandaloneInMemProcessEngineConfiguration configuration =
        InMemoryEngines.with(
            "jobs-run-where-created-prepared",
            plugin = new JobsRunWhereCreated(LEAST_LOCK_LEFT, 10, preparations, 1, GATHERING),
            new HeldContinuations(
                new StaticListableBeanFactory().getBeanProvider(ContinuationAdmission.class)));
    configuration.setDataSource(StatementsNoted.onH2("jobs-run-where-created-prepared", sql -> {
      if (sql.trim().startsWith("update ACT_RU_JOB")) {
        jobUpdates.add(threadName());
      }
    }));
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
  void aJobWhosePreparationsTurnCameLateForItsLock_hasItsLockRenewed_thenIsPrepared()
      throws Exception {
    runs.done = new CountDownLatch(2);

    startBehindASlowPreparation("late", instance -> {});

    assertThat(runs.done.await(10, TimeUnit.SECONDS)).as("both jobs ran").isTrue();
    assertThat(prepared).map(p -> p.substring(0, p.indexOf(',')))
        .containsExactly("slow on relay-prepare-N", "late on relay-prepare-N");
    assertThat(lockLeftWhenPrepared.get("late"))
        .as("renewed before its provider call, by the preparing thread")
        .isGreaterThanOrEqualTo(LEAST_LOCK_LEFT.toMillis());
    assertThat(jobUpdates).containsExactly("relay-prepare-N");
    assertThat(runs.list).containsExactlyInAnyOrder(
        "slow on job-thread, with slow prepared", "late on job-thread, with late prepared");
  }

  @Test
  void aJobAnotherNodeTookOver_beforeItsLatePreparation_isNeitherPreparedNorRunHere()
      throws Exception {
    runs.done = new CountDownLatch(1);

    String late = startBehindASlowPreparation("late", this::anotherNodeAcquires);

    assertThat(runs.done.await(10, TimeUnit.SECONDS)).as("the slow one ran").isTrue();
    Awaitility.await().until(() -> plugin.preparing() == 0);
    jobThread.submit(() -> {}).get(10, TimeUnit.SECONDS);
    assertThat(prepared).singleElement().asString().startsWith("slow");
    assertThat(runs.list).containsExactly("slow on job-thread, with slow prepared");
    assertThat(engine.getManagementService().createJobQuery().processInstanceId(late).list())
        .singleElement()
        .satisfies(job -> assertThat(((JobEntity) job).getLockOwner()).isEqualTo(ANOTHER_NODE));
  }

  @Test
  void aPreparedJob_thatWaitedForAJobThread_needsOnlyTheMarginOfItsLockLeft_notTheCallsTime()
      throws Exception {
    preparing = key -> new Work(key);
    CountDownLatch busy = new CountDownLatch(1);
    jobThread.execute(() -> await(busy));
    runs.done = new CountDownLatch(1);

    runtime.startProcessInstanceByKey("call", Map.of("messageId", "m-1"));
    Awaitility.await().until(() -> prepared.size() == 1 && plugin.preparing() == 0);
    // less left than the provider's time, more than the margin for the job's database work
    ClockUtil.setCurrentTime(new Date(System.currentTimeMillis() + lockTime()
        - LEAST_LOCK_LEFT.toMillis() + 1000));
    busy.countDown();

    assertThat(runs.done.await(10, TimeUnit.SECONDS)).as("the job ran").isTrue();
    assertThat(runs.list).containsExactly("m-1 on job-thread, with m-1 prepared");
    assertThat(jobUpdates).as("its lock not renewed").isEmpty();
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

  /**
   * Starts "slow", whose preparation holds the one preparing thread until released, then the
   * instance of {@code lateKey}, whose preparation waits behind it; once the slow one is under way,
   * moves the clock on so that the late job's lock lasts less than the provider's time; does
   * {@code meanwhile} with the late instance, then releases the slow preparation.
   *
   * @return the late instance
   */
  private String startBehindASlowPreparation(String lateKey, Consumer<String> meanwhile)
      throws Exception {
    CountDownLatch slowCall = new CountDownLatch(1);
    Function<String, ContinuationPreparation.Prepared> slow = slowFor("slow", slowCall);
    preparing = key -> {
      if (key.equals(lateKey)) {
        lockLeftWhenPrepared.put(key, lockLeft(key));
      }
      return slow.apply(key);
    };
    runtime.startProcessInstanceByKey("call", Map.of("messageId", "slow"));
    String late =
        runtime.startProcessInstanceByKey("call", Map.of("messageId", lateKey)).getId();
    assertThat(slowStarted.await(10, TimeUnit.SECONDS)).isTrue();
    ClockUtil.setCurrentTime(new Date(System.currentTimeMillis() + lockTime()
        - LEAST_LOCK_LEFT.toMillis() + 1000));
    meanwhile.accept(late);
    slowCall.countDown();
    return late;
  }

  /** As another node's acquisition locks the instance's job once its lock has run out. */
  private void anotherNodeAcquires(String instance) {
    ((ProcessEngineImpl) engine).getProcessEngineConfiguration().getCommandExecutorTxRequired()
        .execute(context -> {
          JobEntity job = context.getJobManager().findJobsByProcessInstanceId(instance).get(0);
          job.setLockOwner(ANOTHER_NODE);
          job.setLockExpirationTime(new Date(ClockUtil.getCurrentTime().getTime() + 300_000));
          return null;
        });
  }

  /** How long the lock of the message's job still lasts, by the engine's clock. */
  private long lockLeft(String messageId) {
    String instance = runtime.createProcessInstanceQuery()
        .variableValueEquals("messageId", messageId).singleResult().getId();
    JobEntity job = (JobEntity) engine.getManagementService().createJobQuery()
        .processInstanceId(instance).singleResult();
    return job.getLockExpirationTime().getTime() - ClockUtil.getCurrentTime().getTime();
  }

  private long lockTime() {
    return ((ProcessEngineImpl) engine).getProcessEngineConfiguration().getJobExecutor()
        .getLockTimeInMillis();
  }

  private static String threadName() {
    return Thread.currentThread().getName().replaceAll("\\d+$", "N");
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
