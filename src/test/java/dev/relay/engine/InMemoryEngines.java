package dev.relay.engine;

import java.time.Duration;
import java.util.List;
import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.impl.cfg.ProcessEnginePlugin;
import org.camunda.bpm.engine.impl.cfg.StandaloneInMemProcessEngineConfiguration;
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
        1);
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
