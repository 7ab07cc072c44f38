package dev.relay.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.AdditionalMatchers.and;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.endsWith;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.ArgumentMatchers.isNull;
import static org.mockito.ArgumentMatchers.startsWith;
import static org.mockito.Mockito.inOrder;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.verifyNoMoreInteractions;
import static org.mockito.Mockito.when;

import dev.relay.channel.AckGates;
import dev.relay.channel.ChannelPolicies;
import dev.relay.channel.ProviderGateway;
import dev.relay.channel.ProviderGateway.ProviderRequest;
import dev.relay.channel.ProviderRejectedException;
import dev.relay.channel.TransientProviderException;
import dev.relay.delivery.DeliveryService.Dispatch;
import dev.relay.support.TestPolicies;
import dev.relay.timeline.Timeline;
import dev.relay.timeline.TimelineEvent;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;
import org.mockito.InOrder;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.TransactionStatus;

/**
 * The delivery steps the diagrams run, without engine or database: the repository, the provider,
 * the timeline, the instances and the transaction manager are mocks, so each test sees what was
 * called in which order, and under which lock or transaction.
 */
class DeliveryServiceTest {

  private static final String ID = "msg-1";
  private static final String CHANNEL = "whatsapp";
  private static final Instant FIRST_ATTEMPT_AT = Instant.parse("2025-03-01T10:00:00Z");
  private static final List<Duration> DISPATCH_RETRY_DELAYS =
      List.of(Duration.ofSeconds(5), Duration.ofSeconds(15), Duration.ofMinutes(1));

  private final MessageRepository messages = mock(MessageRepository.class);
  private final ProviderGateway provider = mock(ProviderGateway.class);
  private final Timeline timeline = mock(Timeline.class);
  private final DeliveryInstances instances = mock(DeliveryInstances.class);
  private final AckGates ackGates = mock(AckGates.class);
  private final PlatformTransactionManager transactions = mock(PlatformTransactionManager.class);
  private final TransactionStatus ownTransaction = mock(TransactionStatus.class);
  private final ChannelPolicies policies =
      TestPolicies.of(
          CHANNEL, Duration.ofSeconds(2), List.of(Duration.ofSeconds(15)), 8, DISPATCH_RETRY_DELAYS);

  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private DeliveryService service;

  @BeforeEach
  void wire() {
    service = new DeliveryService(messages, provider, policies, timeline, instances, ackGates,
        transactions, new DeliveryMetrics(meters));
    when(transactions.getTransaction(any())).thenReturn(ownTransaction);
  }

  // --- dispatch

  @Test
  void acceptedDispatchRecordsTheAttemptUnderTheLockTakenAfterTheCall() {
    when(messages.find(ID)).thenReturn(Optional.of(message(MessageStatus.QUEUED, 0, null)));
    when(provider.send(any())).thenReturn("provider-1");
    Instant before = Instant.now();
    when(messages.recordAttempt(eq(ID), eq(1), eq("provider-1"), any()))
        .thenAnswer(call -> Optional.of(message(MessageStatus.DISPATCHED, 1, call.getArgument(3))));

    Dispatch dispatch = service.dispatch(ID);

    Instant after = Instant.now();
    InOrder order = inOrder(messages, provider, timeline);
    order.verify(messages).find(ID);
    // the provider is called without the row lock: its callback must not wait for us; the
    // attempt's record takes the lock and answers the status as it is then
    order.verify(provider).send(new ProviderRequest(CHANNEL, ID, "+4917012345678", "Hello"));
    ArgumentCaptor<Instant> sentAt = ArgumentCaptor.forClass(Instant.class);
    order.verify(messages).recordAttempt(eq(ID), eq(1), eq("provider-1"), sentAt.capture());
    // the first attempt is on the row (dispatched_at, the call's start): no timeline row
    assertThat(sentAt.getValue()).isBetween(before, after);
    assertThat(dispatch).isEqualTo(new Dispatch(DeliveryReport.NONE, 1, sentAt.getValue(), CHANNEL));
    verifyNoMoreInteractions(messages, provider, timeline);
    verifyNoInteractions(instances, transactions);
    assertThat(dispatches("first")).isEqualTo(1);
    assertThat(dispatches("resend")).isZero();
  }

  @Test
  void laterAttemptKeepsTheFirstAttemptsTime() {
    stored(message(MessageStatus.DISPATCHED, 2, FIRST_ATTEMPT_AT));
    when(provider.send(any())).thenReturn("provider-1");

    Dispatch dispatch = service.dispatch(ID);

    verify(messages).recordAttempt(eq(ID), eq(3), eq("provider-1"), any());
    assertThat(dispatch).isEqualTo(new Dispatch(DeliveryReport.NONE, 3, FIRST_ATTEMPT_AT, CHANNEL));
    assertThat(dispatches("resend")).isEqualTo(1);
  }

  private double dispatches(String attempt) {
    var counter = meters.find("relay.messages.dispatched").tags("channel", CHANNEL, "attempt", attempt).counter();
    return counter == null ? 0 : counter.count();
  }

  @Test
  void ackRecordedWhileTheCallWasInFlightIsInTheAnswer() {
    when(messages.find(ID)).thenReturn(Optional.of(message(MessageStatus.QUEUED, 0, null)));
    // the webhook recorded the ACK first; it waited for nobody: no instance waited yet
    recordedAs(MessageStatus.DELIVERED, message(MessageStatus.QUEUED, 0, null));
    when(provider.send(any())).thenReturn("provider-1");

    Dispatch dispatch = service.dispatch(ID);

    assertThat(dispatch.report()).isEqualTo(DeliveryReport.DELIVERED);
    assertThat(dispatch.attempts()).isEqualTo(1);
    verify(messages).recordAttempt(eq(ID), eq(1), eq("provider-1"), any());
  }

  @Test
  void messageAlreadyAcknowledgedOrGivenUpIsNotSentAgain() {
    stored(message(MessageStatus.READ, 1, FIRST_ATTEMPT_AT));
    assertThat(service.dispatch(ID))
        .isEqualTo(new Dispatch(DeliveryReport.DELIVERED, 1, FIRST_ATTEMPT_AT, CHANNEL));

    stored(message(MessageStatus.FAILED, 2, FIRST_ATTEMPT_AT));
    assertThat(service.dispatch(ID))
        .isEqualTo(new Dispatch(DeliveryReport.FAILED, 2, FIRST_ATTEMPT_AT, CHANNEL));

    verifyNoInteractions(provider, timeline, instances, transactions);
    verify(messages, never()).lock(anyString());
  }

  @Test
  void rejectionMarksTheMessageFailedUnderTheLock() {
    stored(message(MessageStatus.DISPATCHED, 1, FIRST_ATTEMPT_AT));
    when(provider.send(any()))
        .thenThrow(new ProviderRejectedException("provider answered 400: invalid recipient"));

    Dispatch dispatch = service.dispatch(ID);

    assertThat(dispatch).isEqualTo(new Dispatch(DeliveryReport.FAILED, 1, FIRST_ATTEMPT_AT, CHANNEL));
    InOrder order = inOrder(provider, messages, timeline);
    order.verify(provider).send(any());
    order.verify(messages).lock(ID);
    order
        .verify(timeline)
        .record(ID, TimelineEvent.PROVIDER_REJECTED, 2, "provider answered 400: invalid recipient");
    order.verify(messages).updateStatus(eq(ID), eq(MessageStatus.FAILED), any());
    order.verify(timeline).record(ID, TimelineEvent.FAILED);
    verify(messages, never()).recordAttempt(anyString(), anyInt(), any(), any());
    verifyNoInteractions(instances, transactions);
  }

  @Test
  void rejectionOfAResendAfterAnEarlierAttemptWasAcknowledgedLeavesItDelivered() {
    when(messages.find(ID))
        .thenReturn(Optional.of(message(MessageStatus.DISPATCHED, 1, FIRST_ATTEMPT_AT)));
    // the first attempt's ACK came while the resend was in flight
    locked(message(MessageStatus.DELIVERED, 1, FIRST_ATTEMPT_AT));
    when(provider.send(any()))
        .thenThrow(new ProviderRejectedException("provider answered 410"));

    Dispatch dispatch = service.dispatch(ID);

    assertThat(dispatch).isEqualTo(new Dispatch(DeliveryReport.DELIVERED, 1, FIRST_ATTEMPT_AT, CHANNEL));
    verify(timeline).record(ID, TimelineEvent.PROVIDER_REJECTED, 2, "provider answered 410");
    verify(messages, never()).updateStatus(anyString(), any(), any());
    verify(timeline, never()).record(ID, TimelineEvent.FAILED);
  }

  @Test
  void transientFailureIsRecordedInItsOwnTransactionAndRethrownForTheJob() {
    stored(message(MessageStatus.DISPATCHED, 1, FIRST_ATTEMPT_AT));
    TransientProviderException unavailable =
        new TransientProviderException("provider answered 503", Duration.ofSeconds(30), null);
    when(provider.send(any())).thenThrow(unavailable);

    assertThatThrownBy(() -> service.dispatch(ID)).isSameAs(unavailable);

    // recorded even though the job's transaction rolls back: it is how the last try is known
    InOrder order = inOrder(transactions, timeline);
    ArgumentCaptor<TransactionDefinition> definition =
        ArgumentCaptor.forClass(TransactionDefinition.class);
    order.verify(transactions).getTransaction(definition.capture());
    order.verify(timeline).record(ID, TimelineEvent.DISPATCH_FAILED, 2, "provider answered 503");
    order.verify(transactions).commit(ownTransaction);
    assertThat(definition.getValue().getPropagationBehavior())
        .isEqualTo(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
    verify(messages, never()).lock(anyString());
    verify(messages, never()).recordAttempt(anyString(), anyInt(), any(), any());
    verifyNoMoreInteractions(timeline);
    verifyNoInteractions(instances);
  }

  // --- a call made ahead of the dispatch's job

  @Test
  void callMadeAhead_isRecordedByTheJobsDispatch_onItsThread_withoutASecondCall() {
    when(messages.find(ID)).thenReturn(Optional.of(message(MessageStatus.QUEUED, 0, null)));
    when(provider.send(any())).thenReturn("provider-1");
    when(messages.recordAttempt(eq(ID), eq(1), eq("provider-1"), any()))
        .thenAnswer(call -> Optional.of(message(MessageStatus.DISPATCHED, 1, call.getArgument(3))));
    Instant before = Instant.now();

    ProviderCall.MadeAhead ahead = service.callAhead(ID).orElseThrow();

    verify(provider).send(new ProviderRequest(CHANNEL, ID, "+4917012345678", "Hello"));
    verify(messages, never()).recordAttempt(anyString(), anyInt(), any(), any());
    assertThat(DeliveryService.isCalledAhead(ID)).as("not on this thread yet").isFalse();
    DeliveryService.useCallMadeAhead(ahead);
    try {
      assertThat(DeliveryService.isCalledAhead(ID)).isTrue();
      assertThat(DeliveryService.isCalledAhead("another")).isFalse();

      Dispatch dispatch = service.dispatch(ID);

      ArgumentCaptor<Instant> sentAt = ArgumentCaptor.forClass(Instant.class);
      verify(messages).recordAttempt(eq(ID), eq(1), eq("provider-1"), sentAt.capture());
      assertThat(sentAt.getValue()).as("the call's start").isBetween(before, Instant.now());
      assertThat(dispatch).isEqualTo(new Dispatch(DeliveryReport.NONE, 1, sentAt.getValue(), CHANNEL));
      verify(messages).find(ID); // once, for the call: the job reads nothing more
      verify(provider).send(any());
      assertThat(DeliveryService.isCalledAhead(ID)).as("used once").isFalse();
    } finally {
      DeliveryService.useCallMadeAhead(null);
    }
  }

  @Test
  void callMadeAheadForAnotherMessage_isNotThisDispatchs() {
    when(messages.find("other"))
        .thenReturn(Optional.of(message("other", MessageStatus.QUEUED, 0, null)));
    when(provider.send(any())).thenReturn("provider-0");
    ProviderCall.MadeAhead other = service.callAhead("other").orElseThrow();
    stored(message(MessageStatus.QUEUED, 0, null));
    when(provider.send(any())).thenReturn("provider-1");

    DeliveryService.useCallMadeAhead(other);
    try {
      service.dispatch(ID);
    } finally {
      DeliveryService.useCallMadeAhead(null);
    }

    verify(messages).recordAttempt(eq(ID), eq(1), eq("provider-1"), any());
  }

  @Test
  void failureOfACallMadeAhead_isRecordedAtOnce_andFailsTheJob() {
    stored(message(MessageStatus.DISPATCHED, 1, FIRST_ATTEMPT_AT));
    TransientProviderException unavailable =
        new TransientProviderException("provider answered 503", Duration.ofSeconds(30), null);
    when(provider.send(any())).thenThrow(unavailable);

    ProviderCall.MadeAhead ahead = service.callAhead(ID).orElseThrow();

    verify(timeline).record(ID, TimelineEvent.DISPATCH_FAILED, 2, "provider answered 503");
    verify(transactions).commit(ownTransaction);
    DeliveryService.useCallMadeAhead(ahead);
    try {
      assertThatThrownBy(() -> service.dispatch(ID)).isSameAs(unavailable);
    } finally {
      DeliveryService.useCallMadeAhead(null);
    }
    verify(provider).send(any());
    verify(messages, never()).recordAttempt(anyString(), anyInt(), any(), any());
  }

  @Test
  void rejectionOfACallMadeAhead_marksTheMessageFailed_inTheJob() {
    stored(message(MessageStatus.QUEUED, 0, null));
    when(provider.send(any())).thenThrow(new ProviderRejectedException("provider answered 400"));

    ProviderCall.MadeAhead ahead = service.callAhead(ID).orElseThrow();

    verify(messages, never()).lock(anyString());
    DeliveryService.useCallMadeAhead(ahead);
    try {
      assertThat(service.dispatch(ID).report()).isEqualTo(DeliveryReport.FAILED);
    } finally {
      DeliveryService.useCallMadeAhead(null);
    }
    InOrder order = inOrder(messages, timeline);
    order.verify(messages).lock(ID);
    order.verify(timeline).record(ID, TimelineEvent.PROVIDER_REJECTED, 1, "provider answered 400");
    order.verify(messages).updateStatus(eq(ID), eq(MessageStatus.FAILED), any());
    verify(provider).send(any());
  }

  @Test
  void messageAcknowledgedGivenUpOrGone_getsNoCallAhead() {
    stored(message(MessageStatus.DELIVERED, 1, FIRST_ATTEMPT_AT));
    assertThat(service.callAhead(ID)).isEmpty();
    stored(message(MessageStatus.UNCONFIRMED, 8, FIRST_ATTEMPT_AT));
    assertThat(service.callAhead(ID)).isEmpty();
    when(messages.find("gone")).thenReturn(Optional.empty());
    assertThat(service.callAhead("gone")).isEmpty();

    verifyNoInteractions(provider, timeline, transactions);
  }

  // --- dispatchRetriesExhausted

  @Test
  void retriesAreExhaustedWhenTheNextAttemptFailedAsOftenAsTheCycleTries() {
    stored(message(MessageStatus.DISPATCHED, 1, FIRST_ATTEMPT_AT));
    int tries = DISPATCH_RETRY_DELAYS.size() + 1;

    when(timeline.count(ID, TimelineEvent.DISPATCH_FAILED, 2)).thenReturn(tries - 1);
    assertThat(service.dispatchRetriesExhausted(ID)).isFalse();

    when(timeline.count(ID, TimelineEvent.DISPATCH_FAILED, 2)).thenReturn(tries);
    assertThat(service.dispatchRetriesExhausted(ID)).isTrue();
  }

  // --- handOver

  @Test
  void deliveredMessageNeedsNoHandOver() {
    locked(message(MessageStatus.DELIVERED, 1, FIRST_ATTEMPT_AT));

    service.handOver(ID);

    verify(messages).lock(ID);
    verifyNoMoreInteractions(messages);
    verifyNoInteractions(instances, timeline, provider);
  }

  @Test
  void messageTheProviderNeverTookGoesOnAfterItsDispatchRetries() {
    Message neverTaken = locked(message(MessageStatus.QUEUED, 0, null));
    when(instances.startResend(neverTaken, DeliveryReport.NONE)).thenReturn("resend-1");

    service.handOver(ID);

    InOrder order = inOrder(messages, timeline, instances);
    order.verify(messages).lock(ID);
    order.verify(timeline).record(ID, TimelineEvent.DISPATCH_RETRIES_EXHAUSTED);
    order.verify(instances).startResend(neverTaken, DeliveryReport.NONE);
    // the resend instance waits for the message's report from now on
    order.verify(messages).setReportInstance(ID, "resend-1");
    verifyNoMoreInteractions(messages, timeline, instances);
  }

  @Test
  void messageNotAcknowledgedWithinTheGateGoesOnWithItsResends() {
    Message unacknowledged = locked(message(MessageStatus.DISPATCHED, 1, FIRST_ATTEMPT_AT));
    when(instances.startResend(unacknowledged, DeliveryReport.NONE)).thenReturn("resend-1");

    service.handOver(ID);

    InOrder order = inOrder(messages, timeline, instances);
    order.verify(messages).lock(ID);
    // how long the room waited since the dispatch, and the gate
    order.verify(timeline).record(eq(ID), eq(TimelineEvent.ACK_GATE_TIMEOUT), isNull(),
        and(startsWith("waited "), endsWith("s, gate 2s")));
    order.verify(instances).startResend(unacknowledged, DeliveryReport.NONE);
    order.verify(messages).setReportInstance(ID, "resend-1");
    verifyNoMoreInteractions(messages, timeline, instances);
  }

  @Test
  void failedMessageGoesOnToItsFallbackWithoutATimeoutEvent() {
    Message failed = locked(message(MessageStatus.FAILED, 1, FIRST_ATTEMPT_AT));
    when(instances.startResend(failed, DeliveryReport.FAILED)).thenReturn("resend-1");

    service.handOver(ID);

    InOrder order = inOrder(messages, instances);
    order.verify(messages).lock(ID);
    order.verify(instances).startResend(failed, DeliveryReport.FAILED);
    order.verify(messages).setReportInstance(ID, "resend-1");
    verifyNoInteractions(timeline);
  }

  // --- giveUp

  @Test
  void givingUpMarksTheOutcomeUnderTheLock() {
    locked(message(MessageStatus.DISPATCHED, 8, FIRST_ATTEMPT_AT));

    service.giveUp(ID, MessageStatus.UNCONFIRMED);

    InOrder order = inOrder(messages, timeline);
    order.verify(messages).lock(ID);
    order.verify(messages).updateStatus(eq(ID), eq(MessageStatus.UNCONFIRMED), any());
    order.verify(timeline).record(ID, TimelineEvent.UNCONFIRMED);
  }

  @Test
  void givingUpChangesNothingOnceAcknowledgedOrGivenUp() {
    locked(message(MessageStatus.DELIVERED, 3, FIRST_ATTEMPT_AT));
    service.giveUp(ID, MessageStatus.UNCONFIRMED);

    locked(message(MessageStatus.FAILED, 3, FIRST_ATTEMPT_AT));
    service.giveUp(ID, MessageStatus.UNCONFIRMED);

    verify(messages, never()).updateStatus(anyString(), any(), any());
    verifyNoInteractions(timeline);
  }

  @Test
  void unknownMessageIsAnError() {
    when(messages.find(ID)).thenReturn(Optional.empty());
    when(messages.lock(ID)).thenReturn(Optional.empty());

    assertThatThrownBy(() -> service.dispatch(ID)).hasMessage("no message " + ID);
    assertThatThrownBy(() -> service.handOver(ID)).hasMessage("no message " + ID);
    assertThatThrownBy(() -> service.giveUp(ID, MessageStatus.UNCONFIRMED))
        .hasMessage("no message " + ID);
  }

  /** The message as both the plain read and the locked read find it. */
  private Message stored(Message message) {
    when(messages.find(ID)).thenReturn(Optional.of(message));
    recordedAs(message.status() == MessageStatus.QUEUED ? MessageStatus.DISPATCHED : message.status(), message);
    return locked(message);
  }

  /** The attempt's record answers the row as it is then: in this status, first attempt kept. */
  private void recordedAs(MessageStatus status, Message before) {
    when(messages.recordAttempt(eq(ID), anyInt(), any(), any()))
        .thenAnswer(
            call -> {
              Instant first = before.dispatchedAt() == null ? call.getArgument(3) : before.dispatchedAt();
              return Optional.of(message(status, call.getArgument(1), first));
            });
  }

  private Message locked(Message message) {
    when(messages.lock(ID)).thenReturn(Optional.of(message));
    return message;
  }

  private static Message message(MessageStatus status, int attempts, Instant dispatchedAt) {
    return message(ID, status, attempts, dispatchedAt);
  }

  private static Message message(
      String id, MessageStatus status, int attempts, Instant dispatchedAt) {
    return new Message(
        id,
        "room-1",
        1,
        CHANNEL,
        "+4917012345678",
        "Hello",
        null,
        status,
        attempts,
        attempts > 0 ? "provider-1" : null,
        FIRST_ATTEMPT_AT.minusSeconds(1),
        dispatchedAt,
        status.isAcknowledged() ? FIRST_ATTEMPT_AT.plusSeconds(1) : null,
        status == MessageStatus.READ ? FIRST_ATTEMPT_AT.plusSeconds(2) : null,
        null,
        "room-instance");
  }
}
