package dev.relay.engine;

import dev.relay.channel.TransientProviderException;
import java.time.Duration;
import java.util.Date;
import java.util.Optional;
import org.camunda.bpm.engine.impl.cfg.AbstractProcessEnginePlugin;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.cmd.DefaultJobRetryCmd;
import org.camunda.bpm.engine.impl.interceptor.Command;
import org.camunda.bpm.engine.impl.persistence.entity.JobEntity;
import org.camunda.bpm.engine.impl.util.ClockUtil;
import org.springframework.stereotype.Component;

/**
 * Lets a provider's {@code Retry-After} push a failed job's next try back: the engine's retry
 * cycle decides how often, the provider decides "not before".
 */
@Component
class RetryAfterPlugin extends AbstractProcessEnginePlugin {

  @Override
  public void preInit(ProcessEngineConfigurationImpl configuration) {
    configuration.setFailedJobCommandFactory(RetryAfterPlugin::command);
  }

  static Command<Object> command(String jobId, Throwable failure) {
    Command<Object> standard = new DefaultJobRetryCmd(jobId, failure);
    Optional<Duration> retryAfter = retryAfter(failure);
    if (retryAfter.isEmpty()) {
      return standard;
    }
    return context -> {
      standard.execute(context);
      JobEntity job = context.getJobManager().findJobById(jobId);
      Date notBefore = new Date(ClockUtil.getCurrentTime().getTime() + retryAfter.get().toMillis());
      if (job != null && job.getRetries() > 0 && (job.getDuedate() == null || job.getDuedate().before(notBefore))) {
        job.setDuedate(notBefore);
      }
      return null;
    };
  }

  private static Optional<Duration> retryAfter(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof TransientProviderException transientFailure) {
        return transientFailure.retryAfter();
      }
    }
    return Optional.empty();
  }
}
