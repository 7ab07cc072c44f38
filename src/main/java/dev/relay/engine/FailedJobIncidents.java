package dev.relay.engine;

import java.util.ArrayList;
import java.util.List;
import org.camunda.bpm.engine.impl.cfg.AbstractProcessEnginePlugin;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.context.Context;
import org.camunda.bpm.engine.impl.incident.DefaultIncidentHandler;
import org.camunda.bpm.engine.impl.incident.IncidentContext;
import org.camunda.bpm.engine.impl.incident.IncidentHandler;
import org.camunda.bpm.engine.impl.persistence.entity.JobEntity;
import org.camunda.bpm.engine.runtime.Incident;
import org.springframework.stereotype.Component;

/**
 * The engine's handler of failed-job incidents, without the incident lookup each time a job that
 * never ran out of retries ends (twice per message: the dispatch done, the ACK gate's timer
 * cancelled). A failed job's incident exists only while its retries are 0: the engine raises it
 * when they reach 0 and resolves it when an operator gives the job retries again.
 */
@Component
class FailedJobIncidents extends AbstractProcessEnginePlugin {

  @Override
  public void preInit(ProcessEngineConfigurationImpl configuration) {
    List<IncidentHandler> handlers = new ArrayList<>();
    if (configuration.getCustomIncidentHandlers() != null) {
      handlers.addAll(configuration.getCustomIncidentHandlers());
    }
    handlers.add(new Handler());
    configuration.setCustomIncidentHandlers(handlers);
  }

  static class Handler extends DefaultIncidentHandler {

    Handler() {
      super(Incident.FAILED_JOB_HANDLER_TYPE);
    }

    @Override
    protected void removeIncident(IncidentContext context, boolean incidentResolved) {
      JobEntity job =
          Context.getCommandContext()
              .getDbEntityManager()
              .getCachedEntity(JobEntity.class, context.getConfiguration());
      if (job != null && job.getRetries() > 0) {
        return;
      }
      super.removeIncident(context, incidentResolved);
    }
  }
}
