package dev.relay.engine;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.UnaryOperator;
import org.camunda.bpm.engine.impl.cfg.AbstractProcessEnginePlugin;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.db.DbEntity;
import org.camunda.bpm.engine.impl.db.entitymanager.DbEntityManager;
import org.camunda.bpm.engine.impl.persistence.entity.JobDefinitionEntity;
import org.camunda.bpm.engine.impl.persistence.entity.JobDefinitionManager;
import org.camunda.bpm.engine.impl.persistence.entity.ProcessDefinitionEntity;
import org.camunda.bpm.engine.impl.persistence.entity.ProcessDefinitionManager;
import org.camunda.bpm.engine.impl.persistence.entity.SuspensionState;
import org.camunda.bpm.engine.repository.ProcessDefinition;
import org.springframework.stereotype.Component;

/**
 * The engine reads a job's definition and a process definition's row from the database in every
 * command that creates or runs a job or continues an instance (5.3 reads per message), though the
 * parsed process is cached: for what an operator may change on them, their suspension, priority
 * and history time-to-live. Here such a read is kept for {@link #FRESH_FOR} and handed to later
 * commands as a copy of their own, so the engine's change tracking works as on a read. Suspending
 * through this node's engine, or deleting a definition, forgets every kept read at once; any other
 * change (another node's, a new priority) is seen within {@link #FRESH_FOR}: a job created or an
 * instance continued in that second behaves as before the change, as if it had raced it.
 */
@Component
class DefinitionsKept extends AbstractProcessEnginePlugin {

  static final Duration FRESH_FOR = Duration.ofSeconds(1);

  private final LongSupplier nanoClock;
  private final Kept<JobDefinitionEntity> jobDefinitions =
      new Kept<>(JobDefinitionEntity.class, DefinitionsKept::copyOf);
  private final Kept<ProcessDefinitionEntity> processDefinitions =
      new Kept<>(ProcessDefinitionEntity.class, DefinitionsKept::copyOf);

  DefinitionsKept() {
    this(System::nanoTime);
  }

  DefinitionsKept(LongSupplier nanoClock) {
    this.nanoClock = nanoClock;
  }

  @Override
  public void preInit(ProcessEngineConfigurationImpl configuration) {
    SessionFactories.replace(
        configuration,
        SessionFactories.of(JobDefinitionManager.class, JobDefinitions::new),
        SessionFactories.of(ProcessDefinitionManager.class, ProcessDefinitions::new));
  }

  /** Reads of one kind of definition, by id, each with the time it was read. */
  private final class Kept<T extends DbEntity> {
    private final Class<T> type;
    private final UnaryOperator<T> copy;
    private final Map<String, Read<T>> reads = new ConcurrentHashMap<>();

    Kept(Class<T> type, UnaryOperator<T> copy) {
      this.type = type;
      this.copy = copy;
    }

    T find(String id, DbEntityManager command, Function<String, T> load) {
      T inThisCommand = command.getCachedEntity(type, id);
      if (inThisCommand != null) {
        return inThisCommand;
      }
      long now = nanoClock.getAsLong();
      Read<T> read = reads.get(id);
      if (read != null && now - read.at() < FRESH_FOR.toNanos()) {
        T mine = copy.apply(read.row());
        command.getDbEntityCache().putPersistent(mine);
        return mine;
      }
      T loaded = load.apply(id);
      if (loaded != null) {
        reads.put(id, new Read<>(copy.apply(loaded), now));
      }
      return loaded;
    }

    void forget() {
      reads.clear();
    }
  }

  private record Read<T>(T row, long at) {}

  final class JobDefinitions extends JobDefinitionManager {

    @Override
    public JobDefinitionEntity findById(String id) {
      return jobDefinitions.find(id, getDbEntityManager(), super::findById);
    }

    @Override
    public void updateJobDefinitionSuspensionStateById(String id, SuspensionState state) {
      jobDefinitions.forget();
      super.updateJobDefinitionSuspensionStateById(id, state);
    }

    @Override
    public void updateJobDefinitionSuspensionStateByProcessDefinitionId(
        String processDefinitionId, SuspensionState state) {
      jobDefinitions.forget();
      super.updateJobDefinitionSuspensionStateByProcessDefinitionId(processDefinitionId, state);
    }

    @Override
    public void updateJobDefinitionSuspensionStateByProcessDefinitionKey(
        String processDefinitionKey, SuspensionState state) {
      jobDefinitions.forget();
      super.updateJobDefinitionSuspensionStateByProcessDefinitionKey(processDefinitionKey, state);
    }

    @Override
    public void updateJobDefinitionSuspensionStateByProcessDefinitionKeyAndTenantId(
        String processDefinitionKey, String tenantId, SuspensionState state) {
      jobDefinitions.forget();
      super.updateJobDefinitionSuspensionStateByProcessDefinitionKeyAndTenantId(
          processDefinitionKey, tenantId, state);
    }

    @Override
    public void deleteJobDefinitionsByProcessDefinitionId(String processDefinitionId) {
      jobDefinitions.forget();
      super.deleteJobDefinitionsByProcessDefinitionId(processDefinitionId);
    }
  }

  final class ProcessDefinitions extends ProcessDefinitionManager {

    @Override
    public ProcessDefinitionEntity findLatestProcessDefinitionById(String id) {
      return processDefinitions.find(id, getDbEntityManager(), super::findLatestProcessDefinitionById);
    }

    @Override
    public void updateProcessDefinitionSuspensionStateById(String id, SuspensionState state) {
      processDefinitions.forget();
      super.updateProcessDefinitionSuspensionStateById(id, state);
    }

    @Override
    public void updateProcessDefinitionSuspensionStateByKey(String key, SuspensionState state) {
      processDefinitions.forget();
      super.updateProcessDefinitionSuspensionStateByKey(key, state);
    }

    @Override
    public void updateProcessDefinitionSuspensionStateByKeyAndTenantId(
        String key, String tenantId, SuspensionState state) {
      processDefinitions.forget();
      super.updateProcessDefinitionSuspensionStateByKeyAndTenantId(key, tenantId, state);
    }

    @Override
    public void deleteProcessDefinition(ProcessDefinition definition, String id, boolean cascade,
        boolean cascadeToInstances, boolean skipCustomListeners, boolean skipIoMappings) {
      processDefinitions.forget();
      super.deleteProcessDefinition(
          definition, id, cascade, cascadeToInstances, skipCustomListeners, skipIoMappings);
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

  /** Every column of ACT_RE_PROCDEF, as the engine's result map sets them. */
  private static ProcessDefinitionEntity copyOf(ProcessDefinitionEntity read) {
    ProcessDefinitionEntity copy = new ProcessDefinitionEntity();
    copy.setId(read.getId());
    copy.setRevision(read.getRevision());
    copy.setCategory(read.getCategory());
    copy.setName(read.getName());
    copy.setKey(read.getKey());
    copy.setVersion(read.getVersion());
    copy.setDeploymentId(read.getDeploymentId());
    copy.setResourceName(read.getResourceName());
    copy.setDiagramResourceName(read.getDiagramResourceName());
    copy.setStartFormKey(read.getHasStartFormKey());
    copy.setSuspensionState(read.getSuspensionState());
    copy.setTenantId(read.getTenantId());
    copy.setVersionTag(read.getVersionTag());
    copy.setHistoryTimeToLive(read.getHistoryTimeToLive());
    copy.setStartableInTasklist(read.isStartableInTasklist());
    return copy;
  }
}
