package dev.relay.engine;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.ibatis.mapping.MappedStatement;
import org.apache.ibatis.mapping.SqlCommandType;
import org.apache.ibatis.scripting.defaults.RawSqlSource;
import org.apache.ibatis.session.Configuration;
import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.db.ListQueryParameterObject;
import org.camunda.bpm.engine.impl.event.EventType;
import org.camunda.bpm.engine.impl.interceptor.CommandContext;
import org.camunda.bpm.engine.impl.interceptor.CommandExecutor;
import org.camunda.bpm.engine.impl.persistence.entity.EventSubscriptionEntity;
import org.camunda.bpm.engine.impl.persistence.entity.ExecutionEntity;
import org.camunda.bpm.engine.impl.persistence.entity.JobEntity;
import org.camunda.bpm.engine.impl.util.BitMaskUtil;
import org.springframework.stereotype.Component;

/**
 * What the hot path asks of an instance it knows by id, each read a statement by key. The
 * engine's own queries answer the same, but build their SQL from some hundred conditions each
 * time: the process instance query behind "does the busy room's instance still run" cost a node
 * 9 % of its CPU at 30 messages a second, the execution query behind each correlation 6 %.
 */
@Component
public class ProcessInstances {

  private static final String SUBSCRIPTIONS_OF_INSTANCE = "relaySelectEventSubscriptionsOfInstance";

  private final CommandExecutor commands;

  public ProcessInstances(ProcessEngine engine) {
    ProcessEngineConfigurationImpl configuration =
        (ProcessEngineConfigurationImpl) engine.getProcessEngineConfiguration();
    this.commands = configuration.getCommandExecutorTxRequired();
    addSubscriptionsOfInstance(configuration);
  }

  /**
   * The engine reads an instance's event subscriptions by a column it keeps no index on: a scan of
   * every waiting instance's. This reads them through the instance's executions, by index both, into
   * the engine's own entities.
   */
  private static void addSubscriptionsOfInstance(ProcessEngineConfigurationImpl engine) {
    Configuration mybatis = engine.getSqlSessionFactory().getConfiguration();
    synchronized (mybatis) {
      if (mybatis.hasStatement(SUBSCRIPTIONS_OF_INSTANCE, false)) {
        return;
      }
      String prefix = engine.getDatabaseTablePrefix();
      String sql = "select S.* from " + prefix + "ACT_RU_EXECUTION E"
          + " join " + prefix + "ACT_RU_EVENT_SUBSCR S on S.EXECUTION_ID_ = E.ID_"
          + " where E.PROC_INST_ID_ = #{parameter}";
      mybatis.addMappedStatement(
          new MappedStatement.Builder(
                  mybatis, SUBSCRIPTIONS_OF_INSTANCE,
                  new RawSqlSource(mybatis, sql, ListQueryParameterObject.class),
                  SqlCommandType.SELECT)
              .resultMaps(List.of(mybatis.getResultMap(
                  EventSubscriptionEntity.class.getName() + ".eventSubscriptionResultMap")))
              .build());
    }
  }

  /**
   * Runs the work as one engine command: the engine calls inside it share one command context, so
   * the instances it moves are flushed once, at its end, in JDBC batches, and the definitions they
   * read are read once. A failure anywhere fails it all.
   */
  public void together(Runnable work) {
    commands.execute(
        context -> {
          work.run();
          return null;
        });
  }

  public boolean isRunning(String processInstanceId) {
    return commands.execute(
        context -> {
          ExecutionEntity execution =
              context.getExecutionManager().findExecutionById(processInstanceId);
          return execution != null && execution.isProcessInstanceExecution();
        });
  }

  /**
   * Hands the message to the instance if it waits for it now, as a correlation by instance id
   * would.
   *
   * @return false when the instance does not wait for it
   */
  public boolean messageReceived(
      String processInstanceId, String messageName, Map<String, Object> variables) {
    return commands.execute(
        context -> {
          ExecutionEntity instance = instanceWaitingFor(context, processInstanceId, messageName);
          EventSubscriptionEntity subscription =
              instance == null ? null : waitingSubscription(instance, messageName);
          if (subscription == null) {
            return false;
          }
          // as RuntimeService#messageEventReceived, except that an execution another node has
          // just moved on (its gate timer fired, say) is "no longer waiting", not an engine error
          MovedOnMeanwhile.guard(
              context, subscription.getExecution(),
              () -> subscription.eventReceived(new HashMap<>(variables), false));
          return true;
        });
  }

  /**
   * The instance with its event subscriptions, executions and variables, in three statements:
   * the engine would read them lazily, an execution and a list at a time (six statements for an
   * ACK). Null when it does not wait for the message, or when another commit moved it on between
   * the reads (a subscription's execution is gone: it waits no longer).
   */
  private static ExecutionEntity instanceWaitingFor(
      CommandContext context, String processInstanceId, String messageName) {
    ExecutionEntity cached =
        context.getDbEntityManager().getCachedEntity(ExecutionEntity.class, processInstanceId);
    if (cached != null) {
      return cached; // this command has read it already: its tree is the one in memory
    }
    @SuppressWarnings("unchecked")
    List<EventSubscriptionEntity> subscriptions =
        context.getDbEntityManager().selectList(
            SUBSCRIPTIONS_OF_INSTANCE,
            new ListQueryParameterObject(processInstanceId, 0, Integer.MAX_VALUE));
    if (subscriptions.stream().noneMatch(s -> isWaitingFor(s, messageName))) {
      return null;
    }
    List<ExecutionEntity> executions =
        context.getExecutionManager().findExecutionsByProcessInstanceId(processInstanceId);
    if (!isWhole(
        processInstanceId, executions, subscriptions, EventSubscriptionEntity::getExecutionId)) {
      return null;
    }
    return restore(context, processInstanceId, executions, subscriptions, null);
  }

  /**
   * Reads the instance of a job about to run whole, into the command's cache, a statement per
   * table: its executions, its jobs, its variables. The engine, running the job, finds them there;
   * it would read the job by id, its execution by id, the instance's executions, the execution's
   * jobs and the instance's variables, one after the other. When the job is gone, or another
   * commit moved the instance on between the reads, it restores nothing and the engine reads on its
   * own, as always.
   */
  static void readForJob(CommandContext context, String processInstanceId, String jobId) {
    List<ExecutionEntity> executions =
        context.getExecutionManager().findExecutionsByProcessInstanceId(processInstanceId);
    if (executions.isEmpty()) {
      return;
    }
    List<JobEntity> jobs = context.getJobManager().findJobsByProcessInstanceId(processInstanceId);
    if (jobs.stream().noneMatch(job -> job.getId().equals(jobId))
        || !isWhole(processInstanceId, executions, jobs, JobEntity::getExecutionId)) {
      return;
    }
    for (ExecutionEntity execution : executions) {
      // every job of the instance is among those read: the engine may take each execution's
      // list as complete, as it does for an execution stored with no job
      execution.setCachedEntityState(
          BitMaskUtil.setBitOff(execution.getCachedEntityStateRaw(), ExecutionEntity.JOBS_STATE_BIT));
    }
    restore(context, processInstanceId, executions, null, jobs);
  }

  /**
   * Whether the rows make one tree: the instance and each execution's parent among the executions,
   * each attached row's execution too. Reads are a statement each, so a commit can come between.
   */
  private static <T> boolean isWhole(
      String processInstanceId, List<ExecutionEntity> executions, List<T> attached,
      Function<T, String> executionOf) {
    Set<String> ids = executions.stream().map(ExecutionEntity::getId).collect(Collectors.toSet());
    return ids.contains(processInstanceId)
        && attached.stream().allMatch(row -> ids.contains(executionOf.apply(row)))
        && executions.stream().allMatch(
            e -> e.getParentId() == null || ids.contains(e.getParentId()));
  }

  /** The instance's tree as the engine's migration parser restores it, with its variables read. */
  private static ExecutionEntity restore(
      CommandContext context, String processInstanceId, List<ExecutionEntity> executions,
      List<EventSubscriptionEntity> subscriptions, List<JobEntity> jobs) {
    ExecutionEntity instance = executions.stream()
        .filter(ExecutionEntity::isProcessInstanceExecution).findFirst().orElseThrow();
    instance.restoreProcessInstance(
        executions, subscriptions,
        context.getVariableInstanceManager().findVariableInstancesByProcessInstanceId(
            processInstanceId),
        null, jobs, null, null);
    return instance;
  }

  private static EventSubscriptionEntity waitingSubscription(
      ExecutionEntity execution, String messageName) {
    if (execution.isEnded()) {
      return null;
    }
    for (EventSubscriptionEntity subscription : execution.getEventSubscriptions()) {
      if (isWaitingFor(subscription, messageName)) {
        return subscription;
      }
    }
    for (ExecutionEntity child : execution.getExecutions()) {
      EventSubscriptionEntity found = waitingSubscription(child, messageName);
      if (found != null) {
        return found;
      }
    }
    return null;
  }

  private static boolean isWaitingFor(EventSubscriptionEntity subscription, String messageName) {
    return EventType.MESSAGE.name().equals(subscription.getEventType())
        && messageName.equals(subscription.getEventName());
  }
}
