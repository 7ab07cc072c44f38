package dev.relay.support;

import java.time.Duration;
import java.util.Date;
import java.util.List;
import org.camunda.bpm.engine.ManagementService;
import org.camunda.bpm.engine.impl.util.ClockUtil;
import org.camunda.bpm.engine.runtime.ProcessInstance;

/** What process tests ask of an instance's jobs, on an engine whose clock they hold still. */
public final class EngineJobs {

  private EngineJobs() {}

  /** The activities the instance's jobs (async steps, timers) belong to. */
  public static List<String> activitiesOf(ManagementService management, ProcessInstance instance) {
    return management.createJobQuery().processInstanceId(instance.getId()).list().stream()
        .map(
            job ->
                management
                    .createJobDefinitionQuery()
                    .jobDefinitionId(job.getJobDefinitionId())
                    .singleResult()
                    .getActivityId())
        .toList();
  }

  /** The engine clock's now plus the delay. */
  public static Date inFuture(Duration delay) {
    return Date.from(ClockUtil.getCurrentTime().toInstant().plus(delay));
  }
}
