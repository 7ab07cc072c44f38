package dev.relay.engine;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.camunda.bpm.engine.ManagementService;
import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.impl.ProcessEngineImpl;
import org.camunda.bpm.engine.impl.cfg.StandaloneInMemProcessEngineConfiguration;
import org.camunda.bpm.engine.impl.persistence.entity.JobEntity;
import org.camunda.bpm.engine.runtime.Job;
import org.camunda.bpm.engine.spring.components.jobexecutor.SpringJobExecutor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * A due job whose hand-over to the job threads is refused after its commit waits in the node's
 * line (of one here), locked; should another job take the line's last place between the commit and
 * the hand-over, it goes back to acquisition: its lock is taken off and acquisition is woken, also
 * when the job is gone by then.
 */
class JobsRunWhereCreatedTest {

  private final CountDownLatch acquisitionWoken = new CountDownLatch(1);
  // once, as the first job is refused: its instance's id
  private final AtomicReference<Consumer<String>> beforeRefusing = new AtomicReference<>();
  private ProcessEngine engine;
  private ManagementService management;

  @BeforeEach
  void engine() {
    StandaloneInMemProcessEngineConfiguration configuration =
        InMemoryEngines.with(
            "jobs-run-where-created",
            InMemoryEngines.runningJobsWhereCreated(Duration.ofSeconds(15), 1));
    configuration.setJobExecutor(new RefusingJobExecutor());
    engine = configuration.buildProcessEngine();
    management = engine.getManagementService();
    InMemoryEngines.deployAsyncTask(engine);
  }

  @AfterEach
  void close() {
    engine.close();
  }

  @Test
  void aRefusedJob_waitsInTheLine_locked() {
    String instance = start();

    assertThat(acquisitionWoken.getCount()).as("acquisition not woken").isOne();
    assertThat(lockOwnerOf(jobOf(instance))).isEqualTo(engineLockOwner());
  }

  @Test
  void aRefusedJob_theLineFilledMeanwhile_isUnlockedForAcquisition() throws InterruptedException {
    AtomicReference<String> other = new AtomicReference<>();
    beforeRefusing.set(first -> InMemoryEngines.onAnotherThread(() -> other.set(start())));

    String instance = start();

    assertThat(acquisitionWoken.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(lockOwnerOf(jobOf(instance))).as("no lock left for acquisition to wait out").isNull();
    assertThat(lockOwnerOf(jobOf(other.get()))).as("waits in the line").isEqualTo(engineLockOwner());
  }

  @Test
  void aRefusedJobGoneMeanwhile_stillWakesAcquisition_withoutAnError() throws InterruptedException {
    beforeRefusing.set(first -> {
      InMemoryEngines.onAnotherThread(
          () -> engine.getRuntimeService().deleteProcessInstance(first, "cancelled"));
      InMemoryEngines.onAnotherThread(this::start);
    });
    ListAppender<ILoggingEvent> engineLog = new ListAppender<>();
    Logger engineLogger = (Logger) LoggerFactory.getLogger("org.camunda.bpm.engine");
    engineLogger.addAppender(engineLog);
    engineLog.start();
    try {
      String instance = start();

      assertThat(acquisitionWoken.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(management.createJobQuery().processInstanceId(instance).count()).isZero();
      assertThat(engineLog.list).noneMatch(event -> event.getLevel() == Level.ERROR);
    } finally {
      engineLogger.detachAppender(engineLog);
    }
  }

  private String start() {
    return engine.getRuntimeService().startProcessInstanceByKey("async").getId();
  }

  private Job jobOf(String instance) {
    return management.createJobQuery().processInstanceId(instance).singleResult();
  }

  private String engineLockOwner() {
    return ((ProcessEngineImpl) engine).getProcessEngineConfiguration().getJobExecutor().getLockOwner();
  }

  private static String lockOwnerOf(Job job) {
    return ((JobEntity) job).getLockOwner();
  }

  /** Active without acquisition running; its job threads refuse everything, as a full queue. */
  private class RefusingJobExecutor extends SpringJobExecutor {

    RefusingJobExecutor() {
      setTaskExecutor(
          task -> {
            Consumer<String> meanwhile = beforeRefusing.getAndSet(null);
            if (meanwhile != null) {
              meanwhile.accept(management.createJobQuery().singleResult().getProcessInstanceId());
            }
            throw new RejectedExecutionException("queue full");
          });
    }

    @Override
    public boolean isActive() {
      return true;
    }

    @Override
    public void jobWasAdded() {
      acquisitionWoken.countDown();
    }
  }
}
