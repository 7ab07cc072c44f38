package dev.relay.engine;

import dev.relay.channel.RelayChannelsProperties;
import dev.relay.engine.ContinuationPreparation.Prepared;
import jakarta.annotation.PreDestroy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.camunda.bpm.engine.OptimisticLockingException;
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
import org.camunda.bpm.engine.impl.jobexecutor.SuccessfulJobListener;
import org.camunda.bpm.engine.impl.persistence.entity.JobEntity;
import org.camunda.bpm.engine.impl.persistence.entity.JobManager;
import org.camunda.bpm.engine.impl.util.ClockUtil;
import org.camunda.bpm.engine.spring.components.jobexecutor.SpringJobExecutor;
import org.camunda.bpm.spring.boot.starter.configuration.impl.DefaultJobConfiguration.JobConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;
import org.springframework.stereotype.Component;
import org.springframework.util.function.SingletonSupplier;

/**
 * Runs a job that is due now on the node whose transaction created it, right after that
 * transaction commits, instead of leaving it for job acquisition to find: the room's next dispatch,
 * created by the ACK's webhook or by intake, starts at once and without acquisition's query, lock
 * update and commit. Knowing the job's instance, its command reads that instance whole first
 * ({@link ProcessInstances#readForJob}), a statement per table, instead of the engine's lazy reads.
 *
 * <p>The job is inserted already locked by this node for the job executor's lock time, so no other
 * node takes it meanwhile; should this node die first, the lock expires and any node acquires it as
 * usual. With the job executor's queue full the job waits in this node's {@link HandOverLine}
 * rather than going back to acquisition: a node behind that handed its dispatches to acquisition
 * spent a lock update and a commit more on each, and fell further behind (docs/benchmarks.md,
 * session 21). However long it waited, a job starts only with its lock lasting at least the
 * provider timeout and a margin more, or the margin alone when its provider call was made ahead; a
 * lock shorter than that is renewed first, by an update that fails if another node has acquired
 * the job since its lock ran out, and then this node leaves it. A preparation makes the provider
 * call, so it starts under the same rule as an unprepared job: a node behind renews the lock of a
 * job whose preparation's turn came late, and prepares it still, rather than leave the call to the
 * job thread, alone and outside the shared runs below (docs/benchmarks.md, session 32).
 *
 * <p>A job whose activity is prepared ({@link ContinuationPreparation}: a provider call) is first
 * prepared by a thread of its own, then handed to the job threads as above: a job thread is held
 * for the job's database work, not for the provider's answer, so a node needs no more job threads
 * than its cores and database keep busy, however slowly a provider answers. The jobs one
 * transaction creates (a callback's ACKs move several rooms on) run together once prepared: one
 * transaction for all of them, or, should it fail, each on its own as before.
 *
 * <p>A job that fails goes back to acquisition with its retry's due date, as any job does. A job
 * created by a running job of its own instance is left to the engine, which runs it the same way
 * (exclusive continuation). Only with the line full too is the job left to acquisition: from the
 * start, or, should the line fill between the commit and the hand-over, unlocked by a thread of its
 * own, as the committing thread still holds its connection and asking the pool for a second one
 * there can deadlock a node under load.
 */
@Component
class JobsRunWhereCreated extends AbstractProcessEnginePlugin {

  private static final Logger log = LoggerFactory.getLogger(JobsRunWhereCreated.class);

  /** Far more than a node's open rooms ever hand over at once; a few MB when full. */
  static final int LINE_CAPACITY = 100_000;

  private static final AtomicInteger PREPARING = new AtomicInteger();

  private static final ExecutorService UNLOCKER =
      Executors.newSingleThreadExecutor(daemon(() -> "relay-job-unlock"));

  private final HandOverLine line;
  private final Duration leastLockLeft;
  private final Duration gatheringWindow;
  // resolved once found: a bean factory lookup per job cost ~1.4 % of a busy node's CPU
  private final Supplier<ContinuationPreparation> preparation;
  private final ThreadPoolExecutor preparing;

  @Autowired
  JobsRunWhereCreated(
      RelayChannelsProperties relay, ObjectProvider<ContinuationPreparation> preparation) {
    this(
        relay.providerTimeout().plus(JobLockTime.MARGIN),
        LINE_CAPACITY,
        preparation,
        relay.providerCallThreads(),
        GATHERING);
  }

  /**
   * @param leastLockLeft how long a job's lock must still last when it, or its preparation,
   *     starts: its provider call and its database work
   * @param preparingThreads the threads that prepare jobs ({@link ContinuationPreparation}) before
   *     they are handed to the job threads
   * @param gatheringWindow how long the first prepared job of a transaction waits for the others
   */
  JobsRunWhereCreated(
      Duration leastLockLeft,
      int lineCapacity,
      ObjectProvider<ContinuationPreparation> preparation,
      int preparingThreads,
      Duration gatheringWindow) {
    this.leastLockLeft = leastLockLeft;
    this.gatheringWindow = gatheringWindow;
    this.line = new HandOverLine(lineCapacity);
    this.preparation = SingletonSupplier.of(preparation::getIfAvailable);
    this.preparing =
        new ThreadPoolExecutor(
            preparingThreads,
            preparingThreads,
            1,
            TimeUnit.MINUTES,
            new LinkedBlockingQueue<>(),
            daemon(() -> "relay-prepare-" + PREPARING.incrementAndGet()));
    this.preparing.allowCoreThreadTimeOut(true);
  }

  /** Jobs handed over meanwhile are run unprepared; their work is the job's own again. */
  @PreDestroy
  void stopPreparing() {
    preparing.shutdown();
  }

  /** Runs waiting in this node's line, for health. */
  int waiting() {
    return line.length();
  }

  /** Jobs being prepared or waiting for a preparing thread, for health. */
  int preparing() {
    return preparing.getActiveCount() + preparing.getQueue().size();
  }

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

  class LocalJobManager extends JobManager {

    /** The jobs this command's transaction hands over once it commits (a session per command). */
    private List<Handed> handedHere;

    @Override
    protected void hintJobExecutor(JobEntity job) {
      ProcessEngineConfigurationImpl configuration = Context.getProcessEngineConfiguration();
      JobExecutor executor = configuration.getJobExecutor();
      if (!(executor instanceof SpringJobExecutor spring)
          || !executor.isActive()
          || !line.hasRoom()
          || continuesRunningJob(job)
          || job.isSuspended()
          || !isJobDue(job)
          || !isJobPriorityInJobExecutorPriorityRange(job.getPriority())) {
        super.hintJobExecutor(job);
        return;
      }
      Date lockedUntil =
          new Date(ClockUtil.getCurrentTime().getTime() + executor.getLockTimeInMillis());
      job.setLockOwner(executor.getLockOwner());
      job.setLockExpirationTime(lockedUntil);
      ContinuationPreparation preparer = preparation.get();
      Handed handed =
          new Handed(
              spring,
              configuration.getProcessEngine(),
              job.getId(),
              job.getProcessInstanceId(),
              lockedUntil,
              preparer == null ? null : preparationKey(job),
              preparer);
      if (handedHere == null) {
        List<Handed> all = new ArrayList<>();
        Context.getCommandContext()
            .getTransactionContext()
            .addTransactionListener(TransactionState.COMMITTED, committed -> handOver(all));
        handedHere = all;
      }
      handedHere.add(handed);
    }

    /**
     * The job's key for its preparation, or null. An expression that fails here leaves the job
     * unprepared, never the transaction that creates it: the job evaluates it again and fails as
     * it would have.
     */
    private static String preparationKey(JobEntity job) {
      try {
        return job.getExecution() == null
            ? null
            : HeldContinuations.keyOf(job.getExecution(), job.getActivityId());
      } catch (RuntimeException e) {
        return null;
      }
    }

    private boolean continuesRunningJob(JobEntity job) {
      JobExecutorContext running = Context.getJobExecutorContext();
      return running != null
          && running.isExecutingExclusiveJob()
          && areInSameProcessInstance(job, running.getCurrentJob());
    }
  }

  /**
   * A job locked for this node, to run here after its creator's commit; prepared first when it has
   * a key for its preparation.
   */
  private record Handed(
      SpringJobExecutor executor,
      ProcessEngineImpl engine,
      String jobId,
      String processInstanceId,
      Date lockedUntil,
      String key,
      ContinuationPreparation preparer) {

    Handed lockedUntil(Date renewed) {
      return new Handed(executor, engine, jobId, processInstanceId, renewed, key, preparer);
    }
  }

  /** A handed job with the work done ahead for it (null: none). */
  private record Run(Handed handed, Prepared prepared) {}

  /**
   * The jobs one transaction created, after its commit: each prepared, on threads of their own
   * and at the same time, then run together, in one transaction of the job threads (a busy
   * provider's callback moves several rooms on at once, each to its next dispatch). A room does not
   * wait for another's slow preparation longer than the gathering window ({@link #GATHERING} on a
   * node): those prepared by then run together, the others each on its own as it is ready.
   */
  private void handOver(List<Handed> all) {
    Gathering gathering = new Gathering(all.size());
    all.forEach(handed -> prepare(handed, gathering::ready));
  }

  /** How long the first prepared job of a transaction waits for the others, on a node. */
  static final Duration GATHERING = Duration.ofMillis(5);

  private static final ScheduledExecutorService GATHERING_ENDS =
      Executors.newSingleThreadScheduledExecutor(daemon(() -> "relay-job-gathering"));

  private static ThreadFactory daemon(Supplier<String> names) {
    return task -> {
      Thread thread = new Thread(task, names.get());
      thread.setDaemon(true);
      return thread;
    };
  }

  /** One transaction's jobs as their preparations end. */
  private final class Gathering {

    private final int expected;
    private final List<Run> ready = new ArrayList<>();
    private int arrived;
    private boolean started;

    Gathering(int expected) {
      this.expected = expected;
    }

    /** @param run null: the job is no longer this node's to run */
    void ready(Run run) {
      List<Run> now;
      synchronized (this) {
        arrived++;
        if (started) {
          now = run == null ? List.of() : List.of(run); // after the others went
        } else {
          if (run != null) {
            ready.add(run);
          }
          if (arrived < expected) {
            if (run != null && ready.size() == 1) {
              GATHERING_ENDS.schedule(this::end, gatheringWindow.toNanos(), TimeUnit.NANOSECONDS);
            }
            return;
          }
          started = true;
          now = ready;
        }
      }
      if (!now.isEmpty()) {
        start(now);
      }
    }

    private void end() {
      synchronized (this) {
        if (started) {
          return;
        }
        started = true;
      }
      start(ready);
    }
  }

  /**
   * Has the job's preparation run on a thread of its own, then hands on the job with what it did.
   * A job whose turn came with less of its lock left than the preparation may take (the preparing
   * threads all busy: a node behind) has its lock renewed first, so that no other node takes it
   * over while its provider call is made here; should another node have taken it already, it is
   * that node's, and nothing of it is done here. A preparation that fails, or a renewal that cannot
   * be made, leaves the job all of its work.
   */
  private void prepare(Handed handed, Consumer<Run> then) {
    if (handed.key() == null) {
      then.accept(new Run(handed, null));
      return;
    }
    try {
      preparing.execute(
          () -> {
            Handed held = handed;
            if (lockLeft(handed) < leastLockLeft.toMillis()) {
              try {
                held = renewed(handed);
              } catch (RuntimeException e) {
                log.warn("Job {} runs unprepared: {}", handed.jobId(), e.toString());
                then.accept(new Run(handed, null));
                return;
              }
              if (held == null) {
                then.accept(null); // taken over by another node, run or gone
                return;
              }
            }
            Prepared prepared = null;
            try {
              prepared = held.preparer().prepare(held.key());
            } catch (RuntimeException e) {
              log.warn("Job {} runs unprepared: {}", held.jobId(), e.toString());
            }
            then.accept(new Run(held, prepared));
          });
    } catch (RejectedExecutionException stopping) {
      then.accept(new Run(handed, null));
    }
  }

  private static long lockLeft(Handed handed) {
    return handed.lockedUntil().getTime() - ClockUtil.getCurrentTime().getTime();
  }

  /**
   * How long a job's lock must still last as its run starts: its provider call, unless that was
   * made ahead, and its database work.
   */
  private long leastLockLeft(Prepared prepared) {
    return prepared == null ? leastLockLeft.toMillis() : JobLockTime.MARGIN.toMillis();
  }

  private void start(List<Run> runs) {
    SpringJobExecutor executor = runs.get(0).handed().executor();
    if (!line.offer(executor.getTaskExecutor(), () -> run(runs))) {
      // the queue and the line full: acquisition takes them once their locks are gone
      for (Run run : runs) {
        exit(run);
        UNLOCKER.execute(
            () -> {
              ProcessEngineConfigurationImpl configuration =
                  run.handed().engine().getProcessEngineConfiguration();
              unlock(configuration.getCommandExecutorTxRequired(), run.handed().jobId());
              run.handed().executor().jobWasAdded();
            });
      }
    }
  }

  private static void exit(Run run) {
    if (run.prepared() != null) {
      run.prepared().exit();
    }
  }

  /** Has the line fill the room each task the job threads take leaves in their queue. */
  void feedBeforeEachTask(ThreadPoolTaskExecutor threads) {
    line.feedBeforeEachTask(threads);
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

  private void run(List<Run> runs) {
    try {
      if (runs.size() == 1 || !runTogether(runs)) {
        runs.forEach(run -> runPrepared(run.handed(), run.prepared()));
      }
    } finally {
      runs.forEach(JobsRunWhereCreated::exit);
    }
  }

  /**
   * Runs the jobs in one command, one transaction: their instances read together, each job as the
   * engine's command runs it, in the order of their keys (the messages' ids, the order in which a
   * callback locks its messages), one flush and one commit for all. When that fails anywhere
   * (a job's own failure, another transaction's collision), nothing of it is committed and each job
   * runs again on its own, as it would have, with the work done for it ahead.
   *
   * @return false when they are to run one by one: not all prepared, two of one instance, a lock
   *     that needs renewing, or the shared run failed
   */
  private boolean runTogether(List<Run> runs) {
    Handed first = runs.get(0).handed();
    ProcessEngineConfigurationImpl configuration = first.engine().getProcessEngineConfiguration();
    Map<String, String> jobByInstance = new LinkedHashMap<>();
    List<Run> ordered = new ArrayList<>(runs);
    ordered.sort(BY_KEY);
    for (Run run : ordered) {
      if (run.prepared() == null
          || lockLeft(run.handed()) < leastLockLeft(run.prepared())
          || run.handed().processInstanceId() == null
          || jobByInstance.put(run.handed().processInstanceId(), run.handed().jobId()) != null) {
        return false;
      }
    }
    if (!first.executor().isActive()) {
      return false;
    }
    JobExecutorContext together = new JobExecutorContext();
    Context.setJobExecutorContext(together);
    try {
      configuration.getCommandExecutorTxRequired().execute(
          context -> {
            ProcessInstances.readForJobs(context, jobByInstance);
            for (Run run : ordered) {
              run.prepared().enter();
              try {
                new ExecuteJobsCmd(run.handed().jobId(), new JobFailureCollector(run.handed().jobId()))
                    .execute(context);
              } finally {
                run.prepared().exit();
              }
            }
            return null;
          });
    } catch (Throwable failure) {
      log.debug("Jobs {} together failed; each runs on its own", jobByInstance.values(), failure);
      return false;
    } finally {
      Context.removeJobExecutorContext();
      new ProcessDataContext(configuration).clearMdc();
    }
    for (int i = 0; i < ordered.size(); i++) {
      configuration.getCommandExecutorTxRequired().execute(new SuccessfulJobListener());
    }
    runQueue(configuration, together, null, null);
    return true;
  }

  private static final Comparator<Run> BY_KEY =
      Comparator.comparing((Run run) -> run.handed().key(), Comparator.nullsLast(Comparator.naturalOrder()))
          .thenComparing(run -> run.handed().jobId());

  /**
   * What the job executor's own runnable does for a batch of one, without waking acquisition
   * afterwards: nothing new is waiting for it. The job's instance is read whole first, in the job's
   * own command: this node knows which instance it is.
   */
  private void runPrepared(Handed handed, Prepared prepared) {
    ProcessEngineConfigurationImpl configuration = handed.engine().getProcessEngineConfiguration();
    CommandExecutor commands = configuration.getCommandExecutorTxRequired();
    String jobId = handed.jobId();
    if (!handed.executor().isActive()) {
      unlock(commands, jobId);
      return;
    }
    if (lockLeft(handed) < leastLockLeft(prepared) && renewed(handed) == null) {
      return; // run or taken over by then, or gone
    }
    JobExecutorContext context = new JobExecutorContext();
    context.getCurrentProcessorJobQueue().add(jobId);
    runQueue(configuration, context, handed, prepared);
  }

  /**
   * Runs the context's jobs one after the other: a handed job, then the continuations of its
   * instance it created (exclusive jobs, which the engine queues there after their creator's
   * commit). The handed one (null: none among them) reads its instance whole first and has the
   * work done ahead for it.
   */
  private static void runQueue(
      ProcessEngineConfigurationImpl configuration, JobExecutorContext context, Handed handed,
      Prepared prepared) {
    CommandExecutor commands = configuration.getCommandExecutorTxRequired();
    String jobId = handed == null ? null : handed.jobId();
    String processInstanceId = handed == null ? null : handed.processInstanceId();
    List<String> queue = context.getCurrentProcessorJobQueue();
    Context.setJobExecutorContext(context);
    try {
      while (!queue.isEmpty()) {
        String next = queue.remove(0);
        JobFailureCollector failures = new JobFailureCollector(next);
        Command<Void> execute = new ExecuteJobsCmd(next, failures);
        if (next.equals(jobId) && processInstanceId != null) {
          execute = readingInstanceFirst(processInstanceId, jobId, execute);
        }
        boolean withPrepared = next.equals(jobId) && prepared != null;
        if (withPrepared) {
          prepared.enter(); // again, should it have run in a group that failed
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
          if (withPrepared) {
            prepared.exit(); // not for the jobs this one created
          }
          new ProcessDataContext(configuration).clearMdc(); // a failed command's leftovers
        }
      }
    } finally {
      Context.removeJobExecutorContext();
    }
  }

  /**
   * Renews the lock of a job that waited long on this node, if it is still the lock this node
   * set: once that ran out any node may have acquired the job, this one's acquisition too, and the
   * renewal's update then fails on the job's revision or finds another lock.
   *
   * @return the job with its renewed lock; null when it is no longer this node's (run or taken
   *     over by then, or gone)
   */
  private static Handed renewed(Handed handed) {
    JobExecutor executor = handed.executor();
    Date lockedUntil =
        new Date(ClockUtil.getCurrentTime().getTime() + executor.getLockTimeInMillis());
    try {
      boolean renewed =
          handed.engine().getProcessEngineConfiguration().getCommandExecutorTxRequired().execute(
              context -> {
                JobEntity job = context.getJobManager().findJobById(handed.jobId());
                if (job == null
                    || !executor.getLockOwner().equals(job.getLockOwner())
                    || job.getLockExpirationTime() == null
                    || job.getLockExpirationTime().getTime() != handed.lockedUntil().getTime()) {
                  return false;
                }
                job.setLockExpirationTime(lockedUntil);
                return true;
              });
      return renewed ? handed.lockedUntil(lockedUntil) : null;
    } catch (OptimisticLockingException acquiredMeanwhile) {
      return null;
    }
  }

  private static Command<Void> readingInstanceFirst(
      String processInstanceId, String jobId, Command<Void> execute) {
    return context -> {
      ProcessInstances.readForJob(context, processInstanceId, jobId);
      return execute.execute(context);
    };
  }

  /** Installs {@link #feedBeforeEachTask} on the job executor's threads as Spring creates them. */
  @Component
  static class JobThreadsFeedTheLine implements BeanPostProcessor {

    private final ObjectProvider<JobsRunWhereCreated> plugin;

    JobThreadsFeedTheLine(ObjectProvider<JobsRunWhereCreated> plugin) {
      this.plugin = plugin;
    }

    @Override
    public Object postProcessBeforeInitialization(Object bean, String name) {
      if (JobConfiguration.CAMUNDA_TASK_EXECUTOR_QUALIFIER.equals(name)
          && bean instanceof ThreadPoolTaskExecutor threads) {
        plugin.getObject().feedBeforeEachTask(threads);
      }
      return bean;
    }
  }
}
