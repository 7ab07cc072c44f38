package dev.relay.engine;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.ibatis.mapping.BoundSql;
import org.apache.ibatis.mapping.MappedStatement;
import org.apache.ibatis.mapping.ParameterMapping;
import org.apache.ibatis.mapping.SqlCommandType;
import org.apache.ibatis.mapping.SqlSource;
import org.apache.ibatis.scripting.defaults.RawSqlSource;
import org.apache.ibatis.session.Configuration;
import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.db.DbEntity;
import org.camunda.bpm.engine.impl.db.ListQueryParameterObject;
import org.camunda.bpm.engine.impl.db.entitymanager.DbEntityManager;
import org.camunda.bpm.engine.impl.event.EventType;
import org.camunda.bpm.engine.impl.interceptor.CommandContext;
import org.camunda.bpm.engine.impl.interceptor.CommandExecutor;
import org.camunda.bpm.engine.impl.persistence.entity.EventSubscriptionEntity;
import org.camunda.bpm.engine.impl.persistence.entity.ExecutionEntity;
import org.camunda.bpm.engine.impl.persistence.entity.JobEntity;
import org.camunda.bpm.engine.impl.persistence.entity.VariableInstanceEntity;
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
  // the same reads for several instances at once: the engine's statement with "in (…)" for "= ?"
  private static final String SUBSCRIPTIONS_OF_INSTANCES = "relaySelectEventSubscriptionsOfInstances";
  private static final String EXECUTIONS_OF_INSTANCES = "relaySelectExecutionsOfInstances";
  private static final String JOBS_OF_INSTANCES = "relaySelectJobsOfInstances";
  private static final String VARIABLES_OF_INSTANCES = "relaySelectVariablesOfInstances";

  private final CommandExecutor commands;

  public ProcessInstances(ProcessEngine engine) {
    ProcessEngineConfigurationImpl configuration =
        (ProcessEngineConfigurationImpl) engine.getProcessEngineConfiguration();
    this.commands = configuration.getCommandExecutorTxRequired();
    addStatements(configuration);
  }

  /** Relay's reads, added to the engine's MyBatis statements once. */
  private static void addStatements(ProcessEngineConfigurationImpl configuration) {
    addSubscriptionsOfInstance(configuration);
    addReadsOfInstances(configuration);
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
   * The engine's reads of one instance's executions, jobs and variables, and Relay's of its
   * subscriptions, for a list of instances: the same SQL, its last condition {@code = ?} made
   * {@code in (?, …)}. Built from the engine's statements so that they read what the engine would.
   */
  private static void addReadsOfInstances(ProcessEngineConfigurationImpl engine) {
    Configuration mybatis = engine.getSqlSessionFactory().getConfiguration();
    synchronized (mybatis) {
      if (mybatis.hasStatement(VARIABLES_OF_INSTANCES, false)) {
        return;
      }
      addInList(mybatis, SUBSCRIPTIONS_OF_INSTANCE, SUBSCRIPTIONS_OF_INSTANCES);
      addInList(mybatis, "selectExecutionsByProcessInstanceId", EXECUTIONS_OF_INSTANCES);
      addInList(mybatis, "selectJobsByProcessInstanceId", JOBS_OF_INSTANCES);
      addInList(mybatis, "selectVariablesByProcessInstanceId", VARIABLES_OF_INSTANCES);
    }
  }

  private static void addInList(Configuration mybatis, String byOne, String byList) {
    MappedStatement one = mybatis.getMappedStatement(byOne);
    String sql = one.getBoundSql(new ListQueryParameterObject("", 0, Integer.MAX_VALUE)).getSql();
    String head = sql.replaceAll("\\s+", " ").strip();
    if (!head.endsWith("= ?")) {
      throw new IllegalStateException(byOne + " no longer ends in a condition \"= ?\": " + head);
    }
    mybatis.addMappedStatement(
        new MappedStatement.Builder(
                mybatis, byList,
                new InList(mybatis, head.substring(0, head.length() - "= ?".length())),
                SqlCommandType.SELECT)
            .resultMaps(one.getResultMaps())
            .build());
  }

  /** {@code head in (?, …)}, a mark for each id of a {@link ListQueryParameterObject}'s list. */
  private record InList(Configuration mybatis, String head) implements SqlSource {
    @Override
    public BoundSql getBoundSql(Object parameter) {
      List<?> ids = (List<?>) ((ListQueryParameterObject) parameter).getParameter();
      StringJoiner marks = new StringJoiner(", ", head + "in (", ")");
      List<ParameterMapping> mappings = new ArrayList<>(ids.size());
      for (int i = 0; i < ids.size(); i++) {
        marks.add("?");
        mappings.add(new ParameterMapping.Builder(mybatis, "id" + i, String.class).build());
      }
      BoundSql bound = new BoundSql(mybatis, marks.toString(), mappings, parameter);
      for (int i = 0; i < ids.size(); i++) {
        bound.setAdditionalParameter("id" + i, ids.get(i));
      }
      return bound;
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
   * Reads the instances whole into the current command's cache, a statement per table for all of
   * them, for messages about to be handed to them in the same command ({@link #together}): each
   * {@link #messageReceived} then finds its instance there instead of reading it. An instance
   * another commit moved on between these reads, or that is gone, is left out of the cache, to be
   * read as {@link #messageReceived} always reads.
   */
  public void readTogether(Collection<String> processInstanceIds) {
    commands.execute(
        context -> {
          readWhole(context, processInstanceIds);
          return null;
        });
  }

  /** Their subscriptions, executions, jobs and variables, of those not in the cache yet. */
  private static void readWhole(CommandContext context, Collection<String> processInstanceIds) {
    List<String> ids = notCached(context, processInstanceIds);
    if (ids.size() < 2) {
      return; // one instance reads as it always has: subscriptions first, maybe only them
    }
    Map<String, List<EventSubscriptionEntity>> subscriptions =
        byInstance(context, SUBSCRIPTIONS_OF_INSTANCES, ids, EventSubscriptionEntity::getProcessInstanceId);
    readTrees(context, ids, subscriptions, id -> null);
  }

  /**
   * Reads the instances of jobs about to run in this command whole, as {@link #readForJob} reads
   * one, a statement per table for all of them.
   *
   * @param jobIdByInstance each instance's job, one job an instance
   */
  static void readForJobs(CommandContext context, Map<String, String> jobIdByInstance) {
    ProcessEngineConfigurationImpl engine = context.getProcessEngineConfiguration();
    if (!engine.getSqlSessionFactory().getConfiguration().hasStatement(VARIABLES_OF_INSTANCES, false)) {
      addStatements(engine); // the job executor came before this component: once, at start
    }
    List<String> ids = notCached(context, jobIdByInstance.keySet());
    if (ids.size() < 2) {
      ids.forEach(id -> readForJob(context, id, jobIdByInstance.get(id)));
      return;
    }
    readTrees(context, ids, null, jobIdByInstance::get);
  }

  private static List<String> notCached(CommandContext context, Collection<String> processInstanceIds) {
    List<String> ids = new ArrayList<>(new LinkedHashSet<>(processInstanceIds));
    ids.removeIf(id -> context.getDbEntityManager().getCachedEntity(ExecutionEntity.class, id) != null);
    return ids;
  }

  /**
   * Reads the instances' executions, jobs and variables, a statement per table, and restores each
   * instance read whole (with its subscriptions, when they were read; with its job, when it has
   * one to run). Rows of an instance another commit changed between the reads are dropped from the
   * cache, for the engine to read anew.
   */
  private static void readTrees(
      CommandContext context, List<String> ids,
      Map<String, List<EventSubscriptionEntity>> subscriptions, Function<String, String> jobToRun) {
    Map<String, List<ExecutionEntity>> executions =
        byInstance(context, EXECUTIONS_OF_INSTANCES, ids, ExecutionEntity::getProcessInstanceId);
    Map<String, List<JobEntity>> jobs =
        byInstance(context, JOBS_OF_INSTANCES, ids, JobEntity::getProcessInstanceId);
    Map<String, List<VariableInstanceEntity>> variables =
        byInstance(context, VARIABLES_OF_INSTANCES, ids, VariableInstanceEntity::getProcessInstanceId);
    for (String id : ids) {
      List<ExecutionEntity> tree = executions.getOrDefault(id, List.of());
      List<EventSubscriptionEntity> waits =
          subscriptions == null ? null : subscriptions.getOrDefault(id, List.of());
      List<JobEntity> theirJobs = jobs.getOrDefault(id, List.of());
      List<VariableInstanceEntity> values = variables.getOrDefault(id, List.of());
      String job = jobToRun.apply(id);
      if ((waits == null || isWhole(id, tree, waits, EventSubscriptionEntity::getExecutionId))
          && isWhole(id, tree, theirJobs, JobEntity::getExecutionId)
          && (job == null || theirJobs.stream().anyMatch(j -> j.getId().equals(job)))) {
        jobsComplete(tree);
        restore(id, tree, waits, values, theirJobs);
      } else {
        // rows of before and after another commit, or of a job already gone: read anew
        DbEntityManager db = context.getDbEntityManager();
        List.of(tree, waits == null ? List.of() : waits, theirJobs, values).forEach(
            rows -> rows.forEach(row -> db.getDbEntityCache().remove((DbEntity) row)));
      }
    }
  }

  @SuppressWarnings("unchecked")
  private static <T> Map<String, List<T>> byInstance(
      CommandContext context, String statement, List<String> ids, Function<T, String> instanceOf) {
    List<T> rows = context.getDbEntityManager().selectList(
        statement, new ListQueryParameterObject(ids, 0, Integer.MAX_VALUE));
    return rows.stream().collect(Collectors.groupingBy(instanceOf));
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
    return restore(
        processInstanceId, executions, subscriptions,
        context.getVariableInstanceManager().findVariableInstancesByProcessInstanceId(
            processInstanceId),
        null);
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
    jobsComplete(executions);
    restore(
        processInstanceId, executions, null,
        context.getVariableInstanceManager().findVariableInstancesByProcessInstanceId(
            processInstanceId),
        jobs);
  }

  /**
   * Every job of the instance is among those read: the engine may take each execution's list as
   * complete, as it does for an execution stored with no job.
   */
  private static void jobsComplete(List<ExecutionEntity> executions) {
    for (ExecutionEntity execution : executions) {
      execution.setCachedEntityState(
          BitMaskUtil.setBitOff(execution.getCachedEntityStateRaw(), ExecutionEntity.JOBS_STATE_BIT));
    }
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

  /** The instance's tree as the engine's migration parser restores it. */
  private static ExecutionEntity restore(
      String processInstanceId, List<ExecutionEntity> executions,
      List<EventSubscriptionEntity> subscriptions, List<VariableInstanceEntity> variables,
      List<JobEntity> jobs) {
    ExecutionEntity instance = executions.stream()
        .filter(e -> e.getId().equals(processInstanceId)).findFirst().orElseThrow();
    instance.restoreProcessInstance(executions, subscriptions, variables, null, jobs, null, null);
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
