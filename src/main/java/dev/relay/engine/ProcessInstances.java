package dev.relay.engine;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.event.EventType;
import org.camunda.bpm.engine.impl.interceptor.CommandExecutor;
import org.camunda.bpm.engine.impl.persistence.entity.EventSubscriptionEntity;
import org.camunda.bpm.engine.impl.persistence.entity.ExecutionEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * What the hot path asks of an instance it knows by id, each lookup one statement by key. The
 * engine's own queries answer the same, but build their SQL from some hundred conditions each
 * time: the process instance query behind "does the busy room's instance still run" cost a node
 * 9 % of its CPU at 30 messages a second, the execution query behind each correlation 6 %.
 */
@Component
public class ProcessInstances {

  private final CommandExecutor commands;
  // the engine's data source: in the caller's transaction, as the engine's own statements are
  private final JdbcTemplate engineTables;

  public ProcessInstances(ProcessEngine engine) {
    ProcessEngineConfigurationImpl configuration =
        (ProcessEngineConfigurationImpl) engine.getProcessEngineConfiguration();
    this.commands = configuration.getCommandExecutorTxRequired();
    this.engineTables = new JdbcTemplate(configuration.getDataSource());
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
    List<String> waiting =
        engineTables.queryForList(
            "select s.execution_id_ from act_ru_execution e"
                + " join act_ru_event_subscr s on s.execution_id_ = e.id_"
                + " where e.proc_inst_id_ = ? and s.event_type_ = 'message' and s.event_name_ = ?",
            String.class,
            processInstanceId,
            messageName);
    if (waiting.isEmpty()) {
      return false;
    }
    String executionId = waiting.get(0);
    // as RuntimeService#messageEventReceived, except that an execution another node has just
    // moved on (its gate timer fired, say) is "no longer waiting", not an engine error
    return commands.execute(
        context -> {
          List<EventSubscriptionEntity> subscriptions =
              context.getEventSubscriptionManager()
                  .findEventSubscriptionsByNameAndExecution(
                      EventType.MESSAGE.name(), messageName, executionId, false);
          ExecutionEntity execution = context.getExecutionManager().findExecutionById(executionId);
          if (subscriptions.isEmpty() || execution == null) {
            return false;
          }
          MovedOnMeanwhile.guard(
              context, execution,
              () -> subscriptions.get(0).eventReceived(new HashMap<>(variables), false));
          return true;
        });
  }
}
