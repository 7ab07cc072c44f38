package dev.relay.room;

import static dev.relay.room.RoomDeliveryProcess.KEY;
import static dev.relay.room.RoomDeliveryProcess.MESSAGE_QUEUED;

import dev.relay.engine.ProcessInstances;
import java.util.Map;
import org.camunda.bpm.engine.OptimisticLockingException;
import org.camunda.bpm.engine.RuntimeService;
import org.springframework.stereotype.Component;

/** The one place that starts and wakes room instances. */
@Component
class RoomInstances {

  private final RuntimeService runtime;
  private final ProcessInstances engineInstances;

  RoomInstances(RuntimeService runtime, ProcessInstances engineInstances) {
    this.runtime = runtime;
    this.engineInstances = engineInstances;
  }

  /** Starts the room's instance; it runs on, in the caller's transaction, up to its dispatch job. */
  void start(String roomId) {
    runtime.createProcessInstanceByKey(KEY).businessKey(roomId).execute();
  }

  boolean isRunning(String processInstanceId) {
    return engineInstances.isRunning(processInstanceId);
  }

  /**
   * Wakes the room's idle instance, which takes the next message in the caller's transaction.
   *
   * @return false when the instance no longer waits (it is gone)
   * @throws OptimisticLockingException the instance's idle timer ended it, or is about to, at this
   *     very moment: the caller's transaction can only roll back; tried again, it finds the
   *     instance gone or the timer cancelled
   */
  boolean wake(String processInstanceId) {
    try {
      return engineInstances.messageReceived(processInstanceId, MESSAGE_QUEUED, Map.of());
    } catch (OptimisticLockingException collision) {
      throw collision;
    } catch (RuntimeException e) {
      if (stillWaiting(processInstanceId, e)) {
        throw e;
      }
      // the correlation found the subscription, then the timer's commit removed it (read
      // committed): the engine fails in one of several ways
      throw new OptimisticLockingException(
          "Room instance " + processInstanceId + " ended while it was woken: " + e, e);
    }
  }

  /**
   * Whether the instance still waits, so that {@code failure} is its own; when even the question
   * fails, the transaction is broken (its connection dropped, say) and the failure stands as it is.
   */
  private boolean stillWaiting(String processInstanceId, RuntimeException failure) {
    try {
      return isWaiting(processInstanceId);
    } catch (RuntimeException asking) {
      failure.addSuppressed(asking);
      return true;
    }
  }

  private boolean isWaiting(String processInstanceId) {
    return runtime
            .createEventSubscriptionQuery()
            .processInstanceId(processInstanceId)
            .eventName(MESSAGE_QUEUED)
            .count()
        > 0;
  }
}
