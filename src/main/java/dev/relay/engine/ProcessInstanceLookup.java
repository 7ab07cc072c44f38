package dev.relay.engine;

import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.interceptor.CommandExecutor;
import org.camunda.bpm.engine.impl.persistence.entity.ExecutionEntity;
import org.springframework.stereotype.Component;

/**
 * Whether a process instance still runs, asked on the hot path (every intake into a busy room):
 * one lookup by primary key, as the engine makes for itself. The engine's process instance query
 * answers the same but builds its SQL from some hundred conditions each time, which cost a node
 * 9 % of its CPU at 30 messages a second.
 */
@Component
public class ProcessInstanceLookup {

  private final CommandExecutor commands;

  public ProcessInstanceLookup(ProcessEngine engine) {
    this.commands =
        ((ProcessEngineConfigurationImpl) engine.getProcessEngineConfiguration())
            .getCommandExecutorTxRequired();
  }

  public boolean isRunning(String processInstanceId) {
    return commands.execute(
        context -> {
          ExecutionEntity execution =
              context.getExecutionManager().findExecutionById(processInstanceId);
          return execution != null && execution.isProcessInstanceExecution();
        });
  }
}
