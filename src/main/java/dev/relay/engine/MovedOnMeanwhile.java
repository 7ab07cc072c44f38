package dev.relay.engine;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.camunda.bpm.engine.OptimisticLockingException;
import org.camunda.bpm.engine.impl.cfg.AbstractProcessEnginePlugin;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.context.Context;
import org.camunda.bpm.engine.impl.interceptor.Command;
import org.camunda.bpm.engine.impl.interceptor.CommandContext;
import org.camunda.bpm.engine.impl.interceptor.CommandInterceptor;
import org.camunda.bpm.engine.impl.jobexecutor.AsyncContinuationJobHandler;
import org.camunda.bpm.engine.impl.jobexecutor.JobHandler;
import org.camunda.bpm.engine.impl.jobexecutor.JobHandlerConfiguration;
import org.camunda.bpm.engine.impl.jobexecutor.TimerCatchIntermediateEventJobHandler;
import org.camunda.bpm.engine.impl.jobexecutor.TimerExecuteNestedActivityJobHandler;
import org.camunda.bpm.engine.impl.persistence.entity.ExecutionEntity;
import org.camunda.bpm.engine.impl.persistence.entity.JobEntity;
import org.springframework.stereotype.Component;

/**
 * A job whose instance another transaction moves on while the job runs (the ACK's webhook ends the
 * wait whose gate timer fires now, on another node; a resend instance ends as its timer fires)
 * reads the engine's rows half before and half after that commit: the execution it loaded, then
 * variables and child executions that are gone. It fails with whatever that causes (a variable
 * not found, a NullPointerException deep in the engine) where the engine means to report a
 * collision, which it does at the flush, had the job got there: an {@link
 * OptimisticLockingException}, retried quietly. So a failure of such a job is reported as that
 * collision when the job's execution has changed or vanished since the job loaded it.
 *
 * <p>The engine's own read of the job's execution, before any handler runs, can miss it the same
 * way: the other commit deleted the execution and the job with it ("Cannot find execution …
 * referenced from job", logged as an engine error with its stack). A job failing while its own row
 * is gone is reported as that collision too.
 */
@Component
class MovedOnMeanwhile extends AbstractProcessEnginePlugin {

  /** The jobs that continue an execution of a room or a message. */
  private static final Set<String> EXECUTION_JOBS = Set.of(
      TimerCatchIntermediateEventJobHandler.TYPE,
      TimerExecuteNestedActivityJobHandler.TYPE,
      AsyncContinuationJobHandler.TYPE);

  private static final int GONE = -1;

  @Override
  public void preInit(ProcessEngineConfigurationImpl configuration) {
    List<CommandInterceptor> inside = configuration.getCustomPostCommandInterceptorsTxRequired();
    List<CommandInterceptor> interceptors = new ArrayList<>(inside == null ? List.of() : inside);
    interceptors.add(new JobDeletedMeanwhile());
    configuration.setCustomPostCommandInterceptorsTxRequired(interceptors);
  }

  @Override
  @SuppressWarnings({"rawtypes", "unchecked"})
  public void postInit(ProcessEngineConfigurationImpl configuration) {
    Map<String, JobHandler> handlers = configuration.getJobHandlers();
    EXECUTION_JOBS.forEach(type -> handlers.computeIfPresent(type, (t, handler) -> new Guarded(handler)));
  }

  @SuppressWarnings({"rawtypes", "unchecked"})
  private record Guarded(JobHandler handler) implements JobHandler<JobHandlerConfiguration> {

    @Override
    public String getType() {
      return handler.getType();
    }

    @Override
    public void execute(JobHandlerConfiguration configuration, ExecutionEntity execution,
        CommandContext context, String tenantId) {
      if (execution == null) {
        handler.execute(configuration, null, context, tenantId);
        return;
      }
      guard(context, execution, () -> handler.execute(configuration, execution, context, tenantId));
    }

    @Override
    public JobHandlerConfiguration newConfiguration(String canonicalString) {
      return handler.newConfiguration(canonicalString);
    }

    @Override
    public void onDelete(JobHandlerConfiguration configuration, JobEntity jobEntity) {
      handler.onDelete(configuration, jobEntity);
    }
  }

  /** Inside the command context: a failing job whose row another commit deleted collided. */
  private static final class JobDeletedMeanwhile extends CommandInterceptor {

    @Override
    public <T> T execute(Command<T> command) {
      try {
        return next.execute(command);
      } catch (RuntimeException failure) {
        CommandContext context = Context.getCommandContext();
        JobEntity job = context == null ? null : context.getCurrentJob();
        if (job != null && !(failure instanceof OptimisticLockingException)
            && gone(context, "act_ru_job", job.getId())) {
          throw new OptimisticLockingException(
              "job " + job.getId() + " was deleted by another transaction meanwhile", failure);
        }
        throw failure;
      }
    }
  }

  /**
   * Runs work that continues {@code execution} in the current command; its failure becomes a
   * collision when the execution has been changed or removed by another commit since it was loaded.
   */
  static void guard(CommandContext context, ExecutionEntity execution, Runnable work) {
    int loaded = execution.getRevision();
    try {
      work.run();
    } catch (RuntimeException failure) {
      if (!(failure instanceof OptimisticLockingException)
          && changedSince(context, execution.getId(), loaded)) {
        throw new OptimisticLockingException(
            "execution " + execution.getId() + " was moved on by another transaction meanwhile",
            failure);
      }
      throw failure;
    }
  }

  private static boolean changedSince(CommandContext context, String executionId, int loaded) {
    Integer revision = committedRevision(context, "act_ru_execution", executionId);
    return revision != null && revision != loaded;
  }

  private static boolean gone(CommandContext context, String table, String id) {
    Integer revision = committedRevision(context, table, id);
    return revision != null && revision == GONE;
  }

  /**
   * The revision of an engine row as committed, read in the command's own transaction: {@link
   * #GONE} when there is no such row, null when it cannot be read (the transaction is broken: the
   * failure stands as it is).
   */
  private static Integer committedRevision(CommandContext context, String table, String id) {
    Connection connection = context.getDbSqlSession().getSqlSession().getConnection();
    try (PreparedStatement statement =
        connection.prepareStatement("select rev_ from " + table + " where id_ = ?")) {
      statement.setString(1, id);
      try (ResultSet row = statement.executeQuery()) {
        return row.next() ? row.getInt(1) : GONE;
      }
    } catch (SQLException e) {
      return null;
    }
  }
}
