package dev.relay.engine;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.impl.cfg.ProcessEnginePlugin;
import org.camunda.bpm.engine.impl.cfg.StandaloneInMemProcessEngineConfiguration;
import org.camunda.bpm.engine.impl.util.ClockUtil;
import org.camunda.bpm.engine.spring.components.jobexecutor.SpringJobExecutor;
import org.camunda.bpm.model.bpmn.Bpmn;
import org.springframework.beans.factory.support.StaticListableBeanFactory;

/** The engine of this package's tests: in memory (H2), the job executor stopped, the plugins under test. */
final class InMemoryEngines {

  private InMemoryEngines() {}

  /** A configuration to complete and build; the database lives until the engine is closed. */
  static StandaloneInMemProcessEngineConfiguration with(
      String database, ProcessEnginePlugin... plugins) {
    StandaloneInMemProcessEngineConfiguration configuration =
        new StandaloneInMemProcessEngineConfiguration();
    configuration.setJdbcUrl(url(database));
    configuration.setJobExecutorActivate(false);
    configuration.setProcessEnginePlugins(List.of(plugins));
    return configuration;
  }

  /** Deploys "async": one asynchronous service task, Task_Async, that does nothing. */
  static void deployAsyncTask(ProcessEngine engine) {
    engine.getRepositoryService().createDeployment()
        .addModelInstance("async.bpmn", Bpmn.createExecutableProcess("async")
            .camundaHistoryTimeToLive(1)
            .startEvent().serviceTask("Task_Async").camundaAsyncBefore().camundaExpression("${true}")
            .endEvent().done())
        .deploy();
  }

  /** Jobs run where created, none prepared. */
  static JobsRunWhereCreated runningJobsWhereCreated(Duration leastLockLeft, int lineCapacity) {
    return new JobsRunWhereCreated(
        leastLockLeft,
        lineCapacity,
        new StaticListableBeanFactory().getBeanProvider(ContinuationPreparation.class),
        1,
        JobsRunWhereCreated.GATHERING);
  }

  /**
   * Deploys "call": Task_Call, an asynchronous service task that evaluates {@code expression} and
   * carries the extension property {@value HeldContinuations#PROPERTY} = {@code key}, then
   * Task_Plain, an asynchronous one that does nothing.
   */
  static void deployCallingTask(ProcessEngine engine, String expression, String key) {
    engine.getRepositoryService().createDeployment()
        .addString("call.bpmn", """
            <definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"
                xmlns:camunda="http://camunda.org/schema/1.0/bpmn" targetNamespace="test">
              <process id="call" isExecutable="true" camunda:historyTimeToLive="1">
                <startEvent id="Start" />
                <sequenceFlow id="f1" sourceRef="Start" targetRef="Task_Call" />
                <serviceTask id="Task_Call" camunda:asyncBefore="true"
                    camunda:expression="%s">
                  <extensionElements><camunda:properties>
                    <camunda:property name="waitForAdmission" value="%s" />
                  </camunda:properties></extensionElements>
                </serviceTask>
                <sequenceFlow id="f2" sourceRef="Task_Call" targetRef="Task_Plain" />
                <serviceTask id="Task_Plain" camunda:asyncBefore="true" camunda:expression="${true}" />
                <sequenceFlow id="f3" sourceRef="Task_Plain" targetRef="End" />
                <endEvent id="End" />
              </process>
            </definitions>""".formatted(expression, key))
        .deploy();
  }

  /** A job executor that is active without acquisition running: its job threads are {@code threads}. */
  static SpringJobExecutor activeJobExecutor(Executor threads) {
    SpringJobExecutor executor =
        new SpringJobExecutor() {
          @Override
          public boolean isActive() {
            return true;
          }
        };
    executor.setTaskExecutor(threads::execute);
    return executor;
  }

  /** After a test: the engine's clock back, the test's job thread done, the engine closed. */
  static void close(ProcessEngine engine, ExecutorService jobThread) throws InterruptedException {
    ClockUtil.reset();
    jobThread.shutdown();
    jobThread.awaitTermination(10, TimeUnit.SECONDS);
    engine.close();
  }

  /** Runs the work on a thread, and so a connection, of its own, as another node would; waits. */
  static void onAnotherThread(Runnable work) {
    Thread other = new Thread(work);
    other.start();
    try {
      other.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The JDBC URL of the engine's database, for a connection of the test's own. */
  static String url(String database) {
    return "jdbc:h2:mem:" + database + ";DB_CLOSE_DELAY=-1";
  }
}
