package dev.relay.room;

import static dev.relay.room.RoomDeliveryProcess.KEY;
import static dev.relay.room.RoomDeliveryProcess.MESSAGE_QUEUED;

import org.camunda.bpm.engine.RuntimeService;
import org.springframework.stereotype.Component;

/** The one place that starts and wakes room instances. */
@Component
class RoomInstances {

  private final RuntimeService runtime;

  RoomInstances(RuntimeService runtime) {
    this.runtime = runtime;
  }

  /** Starts the room's instance; it runs on, in the caller's transaction, up to its dispatch job. */
  void start(String roomId) {
    runtime.createProcessInstanceByKey(KEY).businessKey(roomId).execute();
  }

  boolean isRunning(String processInstanceId) {
    return runtime.createProcessInstanceQuery().processInstanceId(processInstanceId).count() > 0;
  }

  /**
   * Wakes the room's idle instance, which takes the next message in the caller's transaction.
   *
   * @return false when the instance no longer waits (it is gone)
   */
  boolean wake(String processInstanceId) {
    return !runtime
        .createMessageCorrelation(MESSAGE_QUEUED)
        .processInstanceId(processInstanceId)
        .correlateAllWithResult()
        .isEmpty();
  }
}
