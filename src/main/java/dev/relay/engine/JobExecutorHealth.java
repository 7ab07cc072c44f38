package dev.relay.engine;

import java.util.concurrent.ThreadPoolExecutor;
import org.camunda.bpm.engine.impl.jobexecutor.JobExecutor;
import org.camunda.bpm.engine.spring.components.jobexecutor.SpringJobExecutor;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;
import org.springframework.stereotype.Component;

/**
 * Health component {@code jobExecutor}, in place of the Camunda starter's: whether this node's job
 * executor runs (DOWN: it delivers nothing), how busy its threads and queue are, and how many jobs
 * created here are being prepared (their provider calls made ahead) or wait in the node's line for
 * the queue ({@link JobsRunWhereCreated}). A full queue is no fault (jobs then wait in that line or
 * for acquisition), so it stays UP.
 */
@Component("jobExecutorHealthIndicator")
class JobExecutorHealth implements HealthIndicator {

  private final JobExecutor executor;
  private final JobsRunWhereCreated handOvers;

  JobExecutorHealth(JobExecutor executor, JobsRunWhereCreated handOvers) {
    this.executor = executor;
    this.handOvers = handOvers;
  }

  @Override
  public Health health() {
    Health.Builder health = executor.isActive() ? Health.up() : Health.down();
    health
        .withDetail("active", executor.isActive())
        .withDetail("lockOwner", executor.getLockOwner())
        .withDetail("waitingInLine", handOvers.waiting())
        .withDetail("preparing", handOvers.preparing());
    if (executor instanceof SpringJobExecutor spring
        && spring.getTaskExecutor() instanceof ThreadPoolTaskExecutor tasks
        && tasks.getThreadPoolExecutor() != null) {
      ThreadPoolExecutor pool = tasks.getThreadPoolExecutor();
      int queued = pool.getQueue().size();
      health
          .withDetail("activeThreads", pool.getActiveCount())
          .withDetail("poolSize", pool.getPoolSize())
          .withDetail("maxPoolSize", pool.getMaximumPoolSize())
          .withDetail("queued", queued)
          .withDetail("queueCapacity", queued + pool.getQueue().remainingCapacity());
    }
    return health.build();
  }
}
