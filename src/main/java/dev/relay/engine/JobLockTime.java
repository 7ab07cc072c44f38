package dev.relay.engine;

import dev.relay.channel.RelayChannelsProperties;
import java.time.Duration;
import org.camunda.bpm.spring.boot.starter.property.CamundaBpmProperties;
import org.camunda.bpm.spring.boot.starter.property.JobExecutionProperty;
import org.springframework.stereotype.Component;

/**
 * Refuses to start a node whose job lock could expire while the job's first run may still call
 * the provider: another node would take the job over and call the provider a second time for the
 * same dispatch. A job acquisition locked waits in the executor's queue behind at most {@code
 * queue-capacity / core-pool-size} rounds of jobs (threads beyond the core ones start only once
 * the queue is full), each of which may spend the provider timeout on its call, then makes its own
 * call. So the lock must last {@code (1 + ⌈queue / core⌉) × provider timeout}, plus a margin for
 * the run's database work. A short lock is what makes a killed node's jobs move soon. Jobs run
 * where they were created may wait longer, in the node's line: {@link JobsRunWhereCreated} checks
 * their lock as they start.
 */
@Component
class JobLockTime {

  static final Duration MARGIN = Duration.ofSeconds(5);
  private static final long ENGINE_DEFAULT_LOCK_TIME = 300_000;

  JobLockTime(CamundaBpmProperties camunda, RelayChannelsProperties relay) {
    check(camunda.getJobExecution(), relay.providerTimeout());
  }

  static void check(JobExecutionProperty jobs, Duration providerTimeout) {
    Duration needed = needed(jobs.getCorePoolSize(), jobs.getQueueCapacity(), providerTimeout);
    long lockTime = jobs.getLockTimeInMillis() == null ? ENGINE_DEFAULT_LOCK_TIME : jobs.getLockTimeInMillis();
    if (lockTime < needed.toMillis()) {
      throw new IllegalStateException(
          "camunda.bpm.job-execution.lock-time-in-millis=%d is too short: a job may wait %d rounds"
              .formatted(lockTime, rounds(jobs.getCorePoolSize(), jobs.getQueueCapacity()))
              + " of core-pool-size=%d threads in a queue of queue-capacity=%d, then call the"
                  .formatted(jobs.getCorePoolSize(), jobs.getQueueCapacity())
              + " provider for up to relay.provider-timeout=%s; give the lock at least %d ms"
                  .formatted(providerTimeout, needed.toMillis())
              + " (or fewer queued jobs, a shorter provider timeout), else another node may take"
              + " over a job that is still calling the provider");
    }
  }

  static Duration needed(int corePoolSize, int queueCapacity, Duration providerTimeout) {
    return providerTimeout.multipliedBy(1 + rounds(corePoolSize, queueCapacity)).plus(MARGIN);
  }

  private static long rounds(int corePoolSize, int queueCapacity) {
    return (queueCapacity + corePoolSize - 1) / Math.max(1, corePoolSize);
  }
}
