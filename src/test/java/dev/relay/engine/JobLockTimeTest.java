package dev.relay.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.camunda.bpm.spring.boot.starter.property.JobExecutionProperty;
import org.junit.jupiter.api.Test;

class JobLockTimeTest {

  @Test
  void relaysDefaults_lockOutlastsOneQueuedRoundAndTheJobsOwnCall() {
    // 16 threads, 16 queued: one round of 10 s calls before its own 10 s call, plus the margin
    assertThat(JobLockTime.needed(16, 16, Duration.ofSeconds(10))).isEqualTo(Duration.ofSeconds(25));
    assertThatCode(() -> JobLockTime.check(jobs(16, 16, 30_000), Duration.ofSeconds(10)))
        .doesNotThrowAnyException();
  }

  @Test
  void aQueueDeeperThanTheCoreThreads_needsALongerLock() {
    // Camunda's own defaults: 3 core threads, 3 queued, 5 min lock
    assertThat(JobLockTime.needed(3, 3, Duration.ofSeconds(10))).isEqualTo(Duration.ofSeconds(25));
    // 8 core threads and 32 queued: four rounds before its own call
    assertThat(JobLockTime.needed(8, 32, Duration.ofSeconds(10))).isEqualTo(Duration.ofSeconds(55));
    assertThatThrownBy(() -> JobLockTime.check(jobs(8, 32, 30_000), Duration.ofSeconds(10)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("lock-time-in-millis=30000 is too short")
        .hasMessageContaining("at least 55000 ms");
  }

  private static JobExecutionProperty jobs(int core, int queue, int lockMillis) {
    JobExecutionProperty jobs = new JobExecutionProperty();
    jobs.setCorePoolSize(core);
    jobs.setQueueCapacity(queue);
    jobs.setLockTimeInMillis(lockMillis);
    return jobs;
  }
}
