package dev.relay.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.inOrder;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import dev.relay.channel.AckGates;
import dev.relay.delivery.ProviderStatus.Kind;
import dev.relay.delivery.ProviderStatus.Outcome;
import dev.relay.timeline.Timeline;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mockito.InOrder;

/**
 * A callback's statuses, without engine or database: what {@link MessageStatuses#applyAll} does
 * with the messages, the status log and the waiting instances, and in which order.
 */
class MessageStatusesTest {

  private static final String CHANNEL = "whatsapp";
  private static final Instant REPORTED_AT = Instant.parse("2025-03-01T10:00:01Z");

  private final MessageRepository messages = mock(MessageRepository.class);
  private final DeliveryInstances instances = mock(DeliveryInstances.class);
  private final ProviderStatusLog statusLog = mock(ProviderStatusLog.class);
  private final AtomicBoolean inCommand = new AtomicBoolean();
  private MessageStatuses statuses;

  @BeforeEach
  void wire() {
    statuses = new MessageStatuses(messages, instances, mock(Timeline.class), statusLog,
        new DeliveryMetrics(new SimpleMeterRegistry()), mock(AckGates.class));
    doAnswer(call -> {
      inCommand.set(true);
      try {
        call.<Runnable>getArgument(0).run();
      } finally {
        inCommand.set(false);
      }
      return null;
    }).when(instances).together(any());
    doAnswer(call -> {
      assertThat(inCommand).as("reported inside the one command").isTrue();
      return null;
    }).when(instances).report(anyString(), any());
  }

  @Test
  void aCallbacksStatuses_allAppliedAndLogged_thenTheirInstancesReadTogether_thenReportedInOrder() {
    acknowledgedNow("m-1", "room-a");
    when(messages.lock("m-2")).thenReturn(Optional.of(message("m-2", "room-b", MessageStatus.DELIVERED)));
    acknowledgedNow("m-3", "room-c");
    when(messages.lock("m-4")).thenReturn(Optional.of(message("m-4", "room-d", MessageStatus.DISPATCHED)));
    List<ProviderStatus> callback = List.of(
        status("m-1", Kind.DELIVERED), status("m-2", Kind.DELIVERED),
        status("m-3", Kind.DELIVERED), status("m-4", Kind.FAILED));

    statuses.applyAll(callback);

    InOrder order = inOrder(messages, statusLog, instances);
    order.verify(instances).together(any());
    order.verify(messages).acknowledge(eq("m-1"), eq(CHANNEL), eq(MessageStatus.DELIVERED), any());
    order.verify(messages).acknowledge(eq("m-2"), eq(CHANNEL), eq(MessageStatus.DELIVERED), any());
    order.verify(messages).lock("m-2"); // a duplicate: no first ACK, so read as before
    order.verify(messages).acknowledge(eq("m-3"), eq(CHANNEL), eq(MessageStatus.DELIVERED), any());
    order.verify(messages).lock("m-4");
    order.verify(messages).updateStatus(eq("m-4"), eq(MessageStatus.FAILED), any());
    order.verify(statusLog).recordAll(callback,
        List.of(Outcome.APPLIED, Outcome.DUPLICATE, Outcome.APPLIED, Outcome.APPLIED));
    order.verify(instances).readTogether(List.of("instance-room-a", "instance-room-c", "instance-room-d"));
    order.verify(instances).report("instance-room-a", DeliveryReport.DELIVERED);
    order.verify(instances).report("instance-room-c", DeliveryReport.DELIVERED);
    order.verify(instances).report("instance-room-d", DeliveryReport.FAILED);
    order.verifyNoMoreInteractions();
    verify(instances, never()).report(eq("instance-room-b"), any());
  }

  private void acknowledgedNow(String messageId, String roomId) {
    when(messages.acknowledge(eq(messageId), eq(CHANNEL), eq(MessageStatus.DELIVERED), any()))
        .thenReturn(Optional.of(message(messageId, roomId, MessageStatus.DELIVERED)));
  }

  private static ProviderStatus status(String messageId, Kind kind) {
    return new ProviderStatus(CHANNEL, "provider-" + messageId, messageId, kind, REPORTED_AT);
  }

  private static Message message(String messageId, String roomId, MessageStatus status) {
    return new Message(messageId, roomId, 1, CHANNEL, "+4917012345678", "Hello", null, status, 1,
        "provider-" + messageId, REPORTED_AT.minusSeconds(2), REPORTED_AT.minusSeconds(1), null,
        null, REPORTED_AT.minusSeconds(1), "instance-" + roomId);
  }
}
