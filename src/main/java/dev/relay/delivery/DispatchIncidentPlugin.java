package dev.relay.delivery;

import static dev.relay.delivery.MessageDeliveryProcess.VAR_ROOM_ID;

import dev.relay.room.RoomTurns;
import dev.relay.timeline.Timeline;
import dev.relay.timeline.TimelineEvent;
import java.util.List;
import org.camunda.bpm.engine.impl.cfg.AbstractProcessEnginePlugin;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.context.Context;
import org.camunda.bpm.engine.impl.incident.DefaultIncidentHandler;
import org.camunda.bpm.engine.impl.incident.IncidentContext;
import org.camunda.bpm.engine.impl.persistence.entity.ExecutionEntity;
import org.camunda.bpm.engine.runtime.Incident;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;

/**
 * When a message's dispatch runs out of retries it becomes an incident for an operator, and its
 * room moves on: the ACK gate only starts once the provider took the message, so without this a
 * provider that keeps failing one message would hold its room until someone acts.
 */
@Component
class DispatchIncidentPlugin extends AbstractProcessEnginePlugin {

  static final String DISPATCH_ACTIVITY = "Task_DispatchMessage";

  // looked up when needed: the engine is built before the beans that use it
  private final ObjectProvider<RoomTurns> rooms;
  private final ObjectProvider<Timeline> timeline;

  DispatchIncidentPlugin(ObjectProvider<RoomTurns> rooms, ObjectProvider<Timeline> timeline) {
    this.rooms = rooms;
    this.timeline = timeline;
  }

  @Override
  public void preInit(ProcessEngineConfigurationImpl configuration) {
    configuration.setCustomIncidentHandlers(List.of(new PassTurnOnIncident()));
  }

  private class PassTurnOnIncident extends DefaultIncidentHandler {

    PassTurnOnIncident() {
      super(Incident.FAILED_JOB_HANDLER_TYPE);
    }

    @Override
    public Incident handleIncident(IncidentContext context, String message) {
      Incident incident = super.handleIncident(context, message);
      if (DISPATCH_ACTIVITY.equals(context.getActivityId()) && context.getExecutionId() != null) {
        ExecutionEntity execution =
            Context.getCommandContext().getExecutionManager().findExecutionById(context.getExecutionId());
        if (execution != null
            && MessageDeliveryProcess.KEY.equals(execution.getProcessDefinition().getKey())) {
          String messageId = execution.getProcessBusinessKey();
          timeline.getObject().record(messageId, TimelineEvent.DISPATCH_INCIDENT, null, message);
          rooms.getObject().release((String) execution.getVariable(VAR_ROOM_ID), messageId);
        }
      }
      return incident;
    }
  }
}
