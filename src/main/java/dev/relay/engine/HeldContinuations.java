package dev.relay.engine;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.camunda.bpm.engine.delegate.Expression;
import org.camunda.bpm.engine.impl.bpmn.parser.AbstractBpmnParseListener;
import org.camunda.bpm.engine.impl.bpmn.parser.BpmnParseListener;
import org.camunda.bpm.engine.impl.bpmn.parser.BpmnParseUtil;
import org.camunda.bpm.engine.impl.cfg.AbstractProcessEnginePlugin;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.context.Context;
import org.camunda.bpm.engine.impl.core.model.PropertyKey;
import org.camunda.bpm.engine.impl.interceptor.CommandContext;
import org.camunda.bpm.engine.impl.jobexecutor.AsyncContinuationJobHandler;
import org.camunda.bpm.engine.impl.jobexecutor.JobExecutorContext;
import org.camunda.bpm.engine.impl.jobexecutor.JobHandler;
import org.camunda.bpm.engine.impl.persistence.entity.ExecutionEntity;
import org.camunda.bpm.engine.impl.persistence.entity.JobEntity;
import org.camunda.bpm.engine.impl.persistence.entity.MessageEntity;
import org.camunda.bpm.engine.impl.pvm.process.ActivityImpl;
import org.camunda.bpm.engine.impl.pvm.process.ScopeImpl;
import org.camunda.bpm.engine.impl.util.xml.Element;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;
import org.springframework.util.function.SingletonSupplier;

/**
 * Holds an asynchronous continuation (a job) back without running it, failing it or holding a
 * thread: for an activity with the extension property {@value #PROPERTY}, the job first asks the
 * {@link ContinuationAdmission}; when that names a later time, the job ends unrun and an identical
 * job, due then, takes its place, in the same transaction. The instance stays where it was (the
 * diagram, Cockpit and the activity's history see nothing), the job's retries are untouched, no
 * incident, no failure log: a wait is not a failure. An instance's jobs run one at a time, so the
 * instance does nothing else meanwhile (a room keeps its order).
 *
 * <p>Used for provider calls held by their channel's circuit or rate limit; the same property lets
 * a continuation be prepared before it runs ({@link ContinuationPreparation}).
 */
@Component
class HeldContinuations extends AbstractProcessEnginePlugin {

  /** Its value is an expression on the execution; its result is the admission's key. */
  static final String PROPERTY = "waitForAdmission";

  // parsed once, with the diagram: a job evaluates it, and so does its preparation
  private static final PropertyKey<Expression> KEY = new PropertyKey<>(PROPERTY);

  private final ObjectProvider<ContinuationAdmission> admission;

  HeldContinuations(ObjectProvider<ContinuationAdmission> admission) {
    this.admission = admission;
  }

  @Override
  public void preInit(ProcessEngineConfigurationImpl configuration) {
    List<JobHandler> handlers = new ArrayList<>();
    if (configuration.getCustomJobHandlers() != null) {
      handlers.addAll(configuration.getCustomJobHandlers());
    }
    handlers.add(new Handler(admission)); // same type: replaces the engine's own
    configuration.setCustomJobHandlers(handlers);
    List<BpmnParseListener> listeners = new ArrayList<>();
    if (configuration.getCustomPostBPMNParseListeners() != null) {
      listeners.addAll(configuration.getCustomPostBPMNParseListeners());
    }
    listeners.add(new KeepProperty());
    configuration.setCustomPostBPMNParseListeners(listeners);
  }

  /**
   * The property's value for a continuation of the activity, evaluated on the execution; null when
   * the activity has none.
   */
  static String keyOf(ExecutionEntity execution, String activityId) {
    ActivityImpl activity = execution.getProcessDefinition().findActivity(activityId);
    Expression expression = activity == null ? null : activity.getProperties().get(KEY);
    if (expression == null) {
      return null;
    }
    Object key = expression.getValue(execution);
    return key == null ? null : key.toString();
  }

  /**
   * Keeps the property, parsed, on its activity: the engine keeps a service task's extension
   * properties only for external tasks. A value that is not an expression fails the deployment,
   * as any of the diagram's expressions would.
   */
  static class KeepProperty extends AbstractBpmnParseListener {

    @Override
    public void parseServiceTask(Element element, ScopeImpl scope, ActivityImpl activity) {
      Map<String, String> properties = BpmnParseUtil.parseCamundaExtensionProperties(element);
      if (properties != null && properties.containsKey(PROPERTY)) {
        activity.getProperties().set(KEY,
            Context.getProcessEngineConfiguration()
                .getExpressionManager()
                .createExpression(properties.get(PROPERTY)));
      }
    }
  }

  static class Handler extends AsyncContinuationJobHandler {

    // resolved once found: a bean factory lookup per job cost ~1.3 % of a busy node's CPU
    private final Supplier<ContinuationAdmission> admission;

    Handler(ObjectProvider<ContinuationAdmission> admission) {
      this.admission = SingletonSupplier.of(admission::getIfAvailable);
    }

    @Override
    public void execute(
        AsyncContinuationConfiguration configuration,
        ExecutionEntity execution,
        CommandContext context,
        String tenantId) {
      Optional<JobEntity> job = running(execution, context);
      Optional<Instant> notBefore = job.flatMap(j -> notBefore(j, execution));
      if (notBefore.isPresent()) {
        postpone(job.get(), execution, notBefore.get());
        return;
      }
      super.execute(configuration, execution, context, tenantId);
    }

    private Optional<Instant> notBefore(JobEntity job, ExecutionEntity execution) {
      ContinuationAdmission admitting = admission.get();
      String key = admitting == null ? null : keyOf(execution, job.getActivityId());
      return key == null ? Optional.empty() : admitting.notBefore(key);
    }

    /**
     * The job being run: the job executor's current job (no statement on the path of every job),
     * else (a job run through the API) the execution's asynchronous continuation.
     */
    private static Optional<JobEntity> running(ExecutionEntity execution, CommandContext context) {
      JobExecutorContext executor = Context.getJobExecutorContext();
      JobEntity current = executor == null ? null : executor.getCurrentJob();
      if (current != null && execution.getId().equals(current.getExecutionId())) {
        return Optional.of(current);
      }
      return context.getJobManager().findJobsByExecutionId(execution.getId()).stream()
          .filter(j -> TYPE.equals(j.getJobHandlerType()))
          .findFirst();
    }

    /** The engine deletes the job once this returns; its twin, due later, takes its place. */
    private static void postpone(JobEntity job, ExecutionEntity execution, Instant notBefore) {
      MessageEntity later = new MessageEntity();
      later.setExecutionId(execution.getId());
      later.setProcessInstanceId(job.getProcessInstanceId());
      later.setRootProcessInstanceId(job.getRootProcessInstanceId());
      later.setProcessDefinitionId(job.getProcessDefinitionId());
      later.setProcessDefinitionKey(job.getProcessDefinitionKey());
      later.setJobDefinitionId(job.getJobDefinitionId());
      later.setActivityId(job.getActivityId());
      later.setJobHandlerType(job.getJobHandlerType());
      later.setJobHandlerConfigurationRaw(job.getJobHandlerConfigurationRaw());
      later.setExclusive(job.isExclusive());
      later.setPriority(job.getPriority());
      later.setRetries(job.getRetries());
      later.setTenantId(job.getTenantId());
      later.setDuedate(Date.from(notBefore));
      later.insert();
    }
  }
}
