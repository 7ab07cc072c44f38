package dev.relay.engine;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.camunda.bpm.engine.impl.cfg.AbstractProcessEnginePlugin;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.interceptor.Session;
import org.camunda.bpm.engine.impl.interceptor.SessionFactory;
import org.camunda.bpm.engine.impl.persistence.entity.JobDefinitionEntity;
import org.camunda.bpm.engine.impl.persistence.entity.JobDefinitionManager;
import org.camunda.bpm.engine.impl.persistence.entity.SuspensionState;
import org.springframework.stereotype.Component;

/**
 * The engine reads a job's definition from the database each time it creates or runs a job (the
 * dispatch job, the ACK gate's timer, the idle timer: 3.2 reads per message), for the two things
 * an operator may change on it: its suspension and its priority. Here a definition read is kept
 * for {@link #FRESH_FOR} and handed to later commands as a copy of their own, so the engine's
 * change tracking works as on a read. Suspending through this node's engine forgets every kept
 * definition at once; any other change (another node's, a new priority) is seen within {@link
 * #FRESH_FOR}: a job created in that second is created as before the change, as if it had raced it.
 */
@Component
class JobDefinitionsCached extends AbstractProcessEnginePlugin {

  static final Duration FRESH_FOR = Duration.ofSeconds(1);

  private final Map<String, Kept> kept = new ConcurrentHashMap<>();
  private final LongSupplier nanoClock;

  JobDefinitionsCached() {
    this(System::nanoTime);
  }

  JobDefinitionsCached(LongSupplier nanoClock) {
    this.nanoClock = nanoClock;
  }

  @Override
  public void preInit(ProcessEngineConfigurationImpl configuration) {
    List<SessionFactory> factories = new ArrayList<>();
    if (configuration.getCustomSessionFactories() != null) {
      factories.addAll(configuration.getCustomSessionFactories());
    }
    // added after the engine's own, under the same session type: it replaces the default
    factories.add(
        new SessionFactory() {
          @Override
          public Class<?> getSessionType() {
            return JobDefinitionManager.class;
          }

          @Override
          public Session openSession() {
            return new Manager();
          }
        });
    configuration.setCustomSessionFactories(factories);
  }

  private record Kept(JobDefinitionEntity definition, long readAt) {}

  final class Manager extends JobDefinitionManager {

    @Override
    public JobDefinitionEntity findById(String id) {
      JobDefinitionEntity inThisCommand =
          getDbEntityManager().getCachedEntity(JobDefinitionEntity.class, id);
      if (inThisCommand != null) {
        return inThisCommand;
      }
      long now = nanoClock.getAsLong();
      Kept read = kept.get(id);
      if (read != null && now - read.readAt() < FRESH_FOR.toNanos()) {
        JobDefinitionEntity copy = copyOf(read.definition());
        getDbEntityManager().getDbEntityCache().putPersistent(copy);
        return copy;
      }
      JobDefinitionEntity loaded = super.findById(id);
      if (loaded != null) {
        kept.put(id, new Kept(copyOf(loaded), now));
      }
      return loaded;
    }

    @Override
    public void updateJobDefinitionSuspensionStateById(String id, SuspensionState state) {
      kept.clear();
      super.updateJobDefinitionSuspensionStateById(id, state);
    }

    @Override
    public void updateJobDefinitionSuspensionStateByProcessDefinitionId(
        String processDefinitionId, SuspensionState state) {
      kept.clear();
      super.updateJobDefinitionSuspensionStateByProcessDefinitionId(processDefinitionId, state);
    }

    @Override
    public void updateJobDefinitionSuspensionStateByProcessDefinitionKey(
        String processDefinitionKey, SuspensionState state) {
      kept.clear();
      super.updateJobDefinitionSuspensionStateByProcessDefinitionKey(processDefinitionKey, state);
    }

    @Override
    public void updateJobDefinitionSuspensionStateByProcessDefinitionKeyAndTenantId(
        String processDefinitionKey, String tenantId, SuspensionState state) {
      kept.clear();
      super.updateJobDefinitionSuspensionStateByProcessDefinitionKeyAndTenantId(
          processDefinitionKey, tenantId, state);
    }

    @Override
    public void deleteJobDefinitionsByProcessDefinitionId(String processDefinitionId) {
      kept.clear();
      super.deleteJobDefinitionsByProcessDefinitionId(processDefinitionId);
    }
  }

  private static JobDefinitionEntity copyOf(JobDefinitionEntity read) {
    JobDefinitionEntity copy = new JobDefinitionEntity();
    copy.setId(read.getId());
    copy.setRevision(read.getRevision());
    copy.setProcessDefinitionId(read.getProcessDefinitionId());
    copy.setProcessDefinitionKey(read.getProcessDefinitionKey());
    copy.setActivityId(read.getActivityId());
    copy.setJobType(read.getJobType());
    copy.setJobConfiguration(read.getJobConfiguration());
    copy.setSuspensionState(read.getSuspensionState());
    copy.setJobPriority(read.getOverridingJobPriority());
    copy.setTenantId(read.getTenantId());
    copy.setDeploymentId(read.getDeploymentId());
    return copy;
  }
}
