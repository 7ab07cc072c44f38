package dev.relay.engine;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.camunda.bpm.engine.ManagementService;
import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.impl.cfg.StandaloneInMemProcessEngineConfiguration;
import org.camunda.bpm.engine.impl.persistence.entity.JobEntity;
import org.camunda.bpm.engine.runtime.Job;
import org.camunda.bpm.engine.spring.components.jobexecutor.SpringJobExecutor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * A due job whose hand-over to the job threads is refused after its commit (the queue filled
 * meanwhile) goes back to acquisition: its lock is taken off and acquisition is woken, also when
 * the job is gone by then.
 */
class JobsRunWhereCreatedTest {

  private final CountDownLatch acquisitionWoken = new CountDownLatch(1);
  private Consumer<String> beforeRefusing = instance -> {};
  private ProcessEngine engine;
  private ManagementService management;

  @BeforeEach
  void engine() {
    StandaloneInMemProcessEngineConfiguration configuration =
        InMemoryEngines.with("jobs-run-where-created", new JobsRunWhereCreated());
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
  void aRefusedJob_isUnlockedForAcquisition() throws InterruptedException {
    String instance = engine.getRuntimeService().startProcessInstanceByKey("async").getId();

    assertThat(acquisitionWoken.await(10, TimeUnit.SECONDS)).isTrue();
    Job job = management.createJobQuery().processInstanceId(instance).singleResult();
    assertThat(job).isNotNull();
    assertThat(lockOwnerOf(job)).as("no lock left for acquisition to wait out").isNull();
  }

  @Test
  void aRefusedJobGoneMeanwhile_stillWakesAcquisition_withoutAnError() throws InterruptedException {
    beforeRefusing = instance -> InMemoryEngines.onAnotherThread(
        () -> engine.getRuntimeService().deleteProcessInstance(instance, "cancelled"));
    ListAppender<ILoggingEvent> engineLog = new ListAppender<>();
    Logger engineLogger = (Logger) LoggerFactory.getLogger("org.camunda.bpm.engine");
    engineLogger.addAppender(engineLog);
    engineLog.start();
    try {
      String instance = engine.getRuntimeService().startProcessInstanceByKey("async").getId();

      assertThat(acquisitionWoken.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(management.createJobQuery().processInstanceId(instance).count()).isZero();
      assertThat(engineLog.list).noneMatch(event -> event.getLevel() == Level.ERROR);
    } finally {
      engineLogger.detachAppender(engineLog);
    }
  }

  private static String lockOwnerOf(Job job) {
    return ((JobEntity) job).getLockOwner();
  }

  /** Active without acquisition running; its job threads refuse everything, as a full queue. */
  private class RefusingJobExecutor extends SpringJobExecutor {

    RefusingJobExecutor() {
      setTaskExecutor(
          task -> {
            beforeRefusing.accept(management.createJobQuery().singleResult().getProcessInstanceId());
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
