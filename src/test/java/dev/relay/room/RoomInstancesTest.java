package dev.relay.room;

import static dev.relay.room.RoomDeliveryProcess.MESSAGE_QUEUED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.Mockito.RETURNS_DEEP_STUBS;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import dev.relay.engine.ProcessInstances;
import java.sql.SQLException;
import java.util.Map;
import org.camunda.bpm.engine.OptimisticLockingException;
import org.camunda.bpm.engine.ProcessEngineException;
import org.camunda.bpm.engine.RuntimeService;
import org.junit.jupiter.api.Test;

class RoomInstancesTest {

  private static final String INSTANCE = "instance-1";

  private final RuntimeService runtime = mock(RuntimeService.class, RETURNS_DEEP_STUBS);
  private final ProcessInstances engine = mock(ProcessInstances.class);
  private final RoomInstances instances = new RoomInstances(runtime, engine);

  /** The database stopped under the wake: the outage must show, not the question asked after it. */
  @Test
  void wakeFailedOnADroppedConnection_throwsThatFailure() {
    ProcessEngineException dropped = new ProcessEngineException("flush failed",
        new SQLException("terminating connection due to administrator command", "57P01"));
    ProcessEngineException closed =
        new ProcessEngineException("query failed", new SQLException("Connection is closed"));
    when(engine.messageReceived(INSTANCE, MESSAGE_QUEUED, Map.of())).thenThrow(dropped);
    when(runtime.createEventSubscriptionQuery()).thenThrow(closed);

    assertThatThrownBy(() -> instances.wake(INSTANCE))
        .isSameAs(dropped)
        .satisfies(failure -> assertThat(failure.getSuppressed()).containsExactly(closed));
  }

  @Test
  void wakeFailedBecauseTheInstanceEndedMeanwhile_isACollision() {
    when(engine.messageReceived(INSTANCE, MESSAGE_QUEUED, Map.of()))
        .thenThrow(new NullPointerException("execution gone"));
    when(runtime.createEventSubscriptionQuery().processInstanceId(INSTANCE).eventName(MESSAGE_QUEUED).count())
        .thenReturn(0L);

    assertThatThrownBy(() -> instances.wake(INSTANCE)).isInstanceOf(OptimisticLockingException.class);
  }
}
