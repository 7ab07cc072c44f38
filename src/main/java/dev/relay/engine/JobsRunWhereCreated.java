package dev.relay.engine;

import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import org.camunda.bpm.engine.impl.ProcessEngineImpl;
import org.camunda.bpm.engine.impl.ProcessEngineLogger;
import org.camunda.bpm.engine.impl.cfg.AbstractProcessEnginePlugin;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.cfg.TransactionState;
import org.camunda.bpm.engine.impl.cmd.ExecuteJobsCmd;
import org.camunda.bpm.engine.impl.context.Context;
import org.camunda.bpm.engine.impl.interceptor.Command;
import org.camunda.bpm.engine.impl.interceptor.CommandExecutor;
import org.camunda.bpm.engine.impl.interceptor.ProcessDataContext;
import org.camunda.bpm.engine.impl.interceptor.Session;
import org.camunda.bpm.engine.impl.interceptor.SessionFactory;
import org.camunda.bpm.engine.impl.jobexecutor.ExecuteJobHelper;
import org.camunda.bpm.engine.impl.jobexecutor.JobExecutor;
import org.camunda.bpm.engine.impl.jobexecutor.JobExecutorContext;
import org.camunda.bpm.engine.impl.jobexecutor.JobFailureCollector;
import org.camunda.bpm.engine.impl.persistence.entity.JobEntity;
import org.camunda.bpm.engine.impl.persistence.entity.JobManager;
import org.camunda.bpm.engine.impl.util.ClockUtil;
import org.camunda.bpm.engine.spring.components.jobexecutor.SpringJobExecutor;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;
import org.springframework.stereotype.Component;

/**
 * Runs a job that is due now on the node whose transaction created it, right after that
 * transaction commits, instead of leaving it for job acquisition to find: the room's next dispatch,
 * created by the ACK's webhook or by intake, starts at once and without acquisition's query, lock
 * update and commit. Knowing the job's instance, its command reads that instance whole first
 * ({@link ProcessInstances#readForJob}), a statement per table, instead of the engine's lazy reads.
 *
 * <p>The job is inserted already locked by this node for the job executor's lock time, so no other
 * node takes it meanwhile; should this node die first, the lock expires and any node acquires it as
 * usual. A job that fails goes back to acquisition with its retry's due date, as any job does. A
 * job created by a running job of its own instance is left to the engine, which runs it the same
 * way (exclusive continuation). With the job executor's queue full the job is left to acquisition
 * from the start; should the queue fill between the commit and the hand-over, the job is unlocked
 * by a thread of its own: the committing thread still holds its connection, and asking the pool for
 * a second one there can deadlock a node under load.
 */
@Component
class JobsRunWhereCreated extends AbstractProcessEnginePlugin {

  private static final ExecutorService UNLOCKER =
      Executors.newSingleThreadExecutor(
          task -> {
            Thread thread = new Thread(task, "relay-job-unlock");
            thread.setDaemon(true);
            return thread;
          });

  @Override
  public void preInit(ProcessEngineConfigurationImpl configuration) {
    List<SessionFactory> factories = new ArrayList<>();
    if (configuration.getCustomSessionFactories() != null) {
      factories.addAll(configuration.getCustomSessionFactories());
    }
    factories.add(
        new SessionFactory() {
          @Override
          public Class<?> getSessionType() {
            return JobManager.class;
          }

          @Override
          public Session openSession() {
            return new LocalJobManager();
          }
        });
    configuration.setCustomSessionFactories(factories);
  }

  static class LocalJobManager extends JobManager {

    @Override
    protected void hintJobExecutor(JobEntity job) {
      ProcessEngineConfigurationImpl configuration = Context.getProcessEngineConfiguration();
      JobExecutor executor = configuration.getJobExecutor();
      if (!(executor instanceof SpringJobExecutor spring)
          || !executor.isActive()
          || !hasRoom(spring)
          || continuesRunningJob(job)
          || job.isSuspended()
          || !isJobDue(job)
          || !isJobPriorityInJobExecutorPriorityRange(job.getPriority())) {
        super.hintJobExecutor(job);
        return;
      }
      Date now = ClockUtil.getCurrentTime();
      job.setLockOwner(executor.getLockOwner());
      job.setLockExpirationTime(new Date(now.getTime() + executor.getLockTimeInMillis()));
      String jobId = job.getId();
      String processInstanceId = job.getProcessInstanceId();
      ProcessEngineImpl engine = configuration.getProcessEngine();
      Context.getCommandContext()
          .getTransactionContext()
          .addTransactionListener(
              TransactionState.COMMITTED,
              committed -> start(spring, engine, jobId, processInstanceId));
    }

    private static boolean hasRoom(SpringJobExecutor executor) {
      return !(executor.getTaskExecutor() instanceof ThreadPoolTaskExecutor pool)
          || pool.getThreadPoolExecutor().getQueue().remainingCapacity() > 0;
    }

    private boolean continuesRunningJob(JobEntity job) {
      JobExecutorContext running = Context.getJobExecutorContext();
      return running != null
          && running.isExecutingExclusiveJob()
          && areInSameProcessInstance(job, running.getCurrentJob());
    }
  }

  private static void start(
      SpringJobExecutor executor,
      ProcessEngineImpl engine,
      String jobId,
      String processInstanceId) {
    try {
      executor.getTaskExecutor().execute(() -> run(executor, engine, jobId, processInstanceId));
    } catch (RejectedExecutionException busy) {
      // every job thread busy and the queue full: acquisition takes it once the lock is gone
      UNLOCKER.execute(
          () -> {
            unlock(engine.getProcessEngineConfiguration().getCommandExecutorTxRequired(), jobId);
            executor.jobWasAdded();
          });
    }
  }

  /**
   * Gives the job back to acquisition. A job that ran or was deleted meanwhile (a cancelled gate
   * timer) has nothing to unlock: the engine's unlock command would fail, and log an error, for it.
   */
  private static void unlock(CommandExecutor commands, String jobId) {
    commands.execute(
        context -> {
          JobEntity job = context.getJobManager().findJobById(jobId);
          if (job != null) {
            job.unlock();
          }
          return null;
        });
  }

  /**
   * What the job executor's own runnable does for a batch of one, without waking acquisition
   * afterwards: nothing new is waiting for it. The job's instance is read whole first, in the job's
   * own command: this node knows which instance it is.
   */
  private static void run(
      JobExecutor executor, ProcessEngineImpl engine, String jobId, String processInstanceId) {
    ProcessEngineConfigurationImpl configuration = engine.getProcessEngineConfiguration();
    CommandExecutor commands = configuration.getCommandExecutorTxRequired();
    if (!executor.isActive()) {
      unlock(commands, jobId);
      return;
    }
    JobExecutorContext context = new JobExecutorContext();
    List<String> queue = context.getCurrentProcessorJobQueue();
    queue.add(jobId);
    Context.setJobExecutorContext(context);
    try {
      while (!queue.isEmpty()) {
        String next = queue.remove(0);
        JobFailureCollector failures = new JobFailureCollector(next);
        Command<Void> execute = new ExecuteJobsCmd(next, failures);
        if (next.equals(jobId) && processInstanceId != null) {
          execute = readingInstanceFirst(processInstanceId, jobId, execute);
        }
        try {
          ExecuteJobHelper.executeJob(next, commands, failures, execute, configuration);
        } catch (Throwable failure) {
          // recorded on the job already (retries, incident); logged as the job executor's own
          // runs log it, so that a failure reads the same whichever thread ran the job
          if (ProcessEngineLogger.shouldLogJobException(configuration, failures.getJob())) {
            ExecuteJobHelper.LOGGING_HANDLER.exceptionWhileExecutingJob(next, failure);
          }
        } finally {
          new ProcessDataContext(configuration).clearMdc(); // a failed command's leftovers
        }
      }
    } finally {
      Context.removeJobExecutorContext();
    }
  }

  private static Command<Void> readingInstanceFirst(
      String processInstanceId, String jobId, Command<Void> execute) {
    return context -> {
      ProcessInstances.readForJob(context, processInstanceId, jobId);
      return execute.execute(context);
    };
  }
}
