package dev.relay.engine;

import static org.camunda.bpm.engine.impl.history.event.HistoryEventTypes.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.camunda.bpm.engine.impl.cfg.AbstractProcessEnginePlugin;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.history.AbstractHistoryLevel;
import org.camunda.bpm.engine.impl.history.HistoryLevel;
import org.camunda.bpm.engine.impl.history.event.HistoryEventType;
import org.springframework.stereotype.Component;

/**
 * The history level {@value #NAME}: what operators need from the engine's history, without
 * what the message timeline already records. It keeps each process instance (start, end, state:
 * history cleanup and "which deliveries ended how" rely on it), incidents and the user operation
 * log (who repaired what in Cockpit), and batches. It leaves out activity instances and variables,
 * three quarters of the rows a delivery writes at {@code audit} (docs/benchmarks.md).
 *
 * <p>Chosen with {@code camunda.bpm.history-level: instances}; the production profile does.
 */
@Component
class InstanceHistoryLevel extends AbstractProcessEnginePlugin {

  static final String NAME = "instances";

  private static final HistoryLevel LEVEL = new Level();

  private static final Set<HistoryEventType> PRODUCED = Set.of(
      PROCESS_INSTANCE_START, PROCESS_INSTANCE_UPDATE, PROCESS_INSTANCE_MIGRATE,
      PROCESS_INSTANCE_END,
      INCIDENT_CREATE, INCIDENT_UPDATE, INCIDENT_MIGRATE, INCIDENT_DELETE, INCIDENT_RESOLVE,
      USER_OPERATION_LOG,
      BATCH_START, BATCH_UPDATE, BATCH_END);

  @Override
  public void preInit(ProcessEngineConfigurationImpl configuration) {
    List<HistoryLevel> custom = configuration.getCustomHistoryLevels() == null
        ? new ArrayList<>() : new ArrayList<>(configuration.getCustomHistoryLevels());
    custom.add(LEVEL);
    configuration.setCustomHistoryLevels(custom);
  }

  private static final class Level extends AbstractHistoryLevel {

    @Override
    public int getId() {
      return 20; // the engine's own are 0 to 3; the id is what the database stores
    }

    @Override
    public String getName() {
      return NAME;
    }

    @Override
    public boolean isHistoryEventProduced(HistoryEventType eventType, Object entity) {
      return PRODUCED.contains(eventType);
    }
  }
}
