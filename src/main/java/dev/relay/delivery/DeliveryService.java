package dev.relay.delivery;

import dev.relay.channel.AckGates;
import dev.relay.channel.ChannelPolicies;
import dev.relay.channel.ProviderGateway;
import dev.relay.channel.ProviderGateway.ProviderRequest;
import dev.relay.channel.ProviderRejectedException;
import dev.relay.channel.TransientProviderException;
import dev.relay.timeline.Timeline;
import dev.relay.timeline.TimelineEvent;
import dev.relay.logs.MessageLog;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/** The steps of a message's delivery that the diagrams run: dispatch, hand-over, giving up. */
@Service
public class DeliveryService {

  private static final Logger log = LoggerFactory.getLogger(DeliveryService.class);

  /** The call made ahead of the dispatch job running on this thread ({@link ProviderCallAhead}). */
  private static final ThreadLocal<ProviderCall.MadeAhead> MADE_AHEAD = new ThreadLocal<>();

  private final DeliveryMetrics metrics;
  private final MessageRepository messages;
  private final ProviderGateway provider;
  private final ChannelPolicies policies;
  private final Timeline timeline;
  private final DeliveryInstances instances;
  private final AckGates ackGates;
  private final TransactionTemplate ownTransaction;

  DeliveryService(
      MessageRepository messages,
      ProviderGateway provider,
      ChannelPolicies policies,
      Timeline timeline,
      DeliveryInstances instances,
      AckGates ackGates,
      PlatformTransactionManager transactions,
      DeliveryMetrics metrics) {
    this.messages = messages;
    this.provider = provider;
    this.policies = policies;
    this.timeline = timeline;
    this.instances = instances;
    this.metrics = metrics;
    this.ackGates = ackGates;
    this.ownTransaction = new TransactionTemplate(transactions);
    this.ownTransaction.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
  }

  /**
   * One provider call, recorded in the calling job's transaction: made there, or already made for
   * this job ({@link #callAhead}). The attempt is recorded under the message's row lock, which is
   * held until the job commits, so a status arriving meanwhile waits and then finds the instance
   * waiting for it, and one that came first is in the answer.
   *
   * @return what the provider has reported so far: a rejection is FAILED
   * @throws TransientProviderException the job fails and the engine retries it
   */
  public Dispatch dispatch(String messageId) {
    ProviderCall.MadeAhead ahead = MADE_AHEAD.get();
    if (ahead != null && ahead.message().messageId().equals(messageId)) {
      MADE_AHEAD.remove();
      try (var logged = MessageLog.open(messageId, ahead.message().roomId())) {
        return dispatch(ahead.message(), ahead.call());
      }
    }
    Message message = messages.find(messageId).orElseThrow(() -> unknown(messageId));
    try (var logged = MessageLog.open(messageId, message.roomId())) {
      return dispatch(message, null);
    }
  }

  /**
   * The provider call of the message's next dispatch, made outside any transaction before the
   * dispatch's job runs ({@link ProviderCallAhead}): the message as read for it, and what the call
   * came to. Empty when the message needs no call.
   */
  Optional<ProviderCall.MadeAhead> callAhead(String messageId) {
    Optional<Message> found = messages.find(messageId);
    if (found.isEmpty() || !needsCall(found.get())) {
      return Optional.empty();
    }
    Message message = found.get();
    try (var logged = MessageLog.open(messageId, message.roomId())) {
      return Optional.of(
          new ProviderCall.MadeAhead(message, call(message, message.attempts() + 1)));
    }
  }

  /**
   * Has this thread's dispatch of the call's message record that call instead of making one (null:
   * none). Set around the dispatch job's run.
   */
  static void useCallMadeAhead(ProviderCall.MadeAhead call) {
    if (call == null) {
      MADE_AHEAD.remove();
    } else {
      MADE_AHEAD.set(call);
    }
  }

  /** Whether this thread's dispatch of the message records a call already made. */
  static boolean isCalledAhead(String messageId) {
    ProviderCall.MadeAhead ahead = MADE_AHEAD.get();
    return ahead != null && ahead.message().messageId().equals(messageId);
  }

  private static boolean needsCall(Message message) {
    return !message.status().isAcknowledged() && !message.status().isGivenUp();
  }

  /**
   * @param madeAhead the call already made for this attempt; null: make it now
   */
  private Dispatch dispatch(Message message, ProviderCall madeAhead) {
    String messageId = message.messageId();
    if (!needsCall(message)) {
      return new Dispatch(
          DeliveryReport.of(message.status()),
          message.attempts(),
          message.dispatchedAt(),
          message.channel());
    }
    int attempt = message.attempts() + 1;
    ProviderCall call = madeAhead != null ? madeAhead : call(message, attempt);
    if (call instanceof ProviderCall.Failed failed) {
      throw failed.failure();
    }
    if (call instanceof ProviderCall.Rejected rejected) {
      Message locked = messages.lock(messageId).orElseThrow(() -> unknown(messageId));
      timeline.record(
          messageId, TimelineEvent.PROVIDER_REJECTED, attempt, rejected.rejection().getMessage());
      markGivenUp(locked, MessageStatus.FAILED);
      // an earlier attempt's ACK that came during the call stands: no fallback once delivered
      DeliveryReport report =
          locked.status().isAcknowledged() ? DeliveryReport.DELIVERED : DeliveryReport.FAILED;
      return new Dispatch(report, locked.attempts(), locked.dispatchedAt(), locked.channel());
    }
    ProviderCall.Taken taken = (ProviderCall.Taken) call;
    String providerMessageId = taken.providerMessageId();
    Instant sentAt = taken.at();
    Message recorded =
        messages
            .recordAttempt(messageId, attempt, providerMessageId, sentAt)
            .orElseThrow(() -> unknown(messageId));
    metrics.dispatched(message.channel(), attempt);
    if (attempt == 1 && message.takenAt() != null) {
      metrics.firstDispatchAfterTurn(message.channel(), Duration.between(message.takenAt(), sentAt));
    }
    log.debug("Attempt {} taken by the provider as {}", attempt, providerMessageId);
    if (attempt > 1) {
      // the first attempt is on the message row (dispatched_at); stamped with the call's start:
      // an ACK sent from inside the provider's handler is recorded before this, but must not
      // read as if it came first
      timeline.record(messageId, TimelineEvent.DISPATCHED, attempt, null, sentAt);
    } else if (recorded.deliveredAt() != null) {
      // acknowledged during the call: the webhook could not know the delay yet
      Duration delay = Duration.between(sentAt, recorded.deliveredAt());
      ackGates.record(message.channel(), delay);
      metrics.acknowledged(message.channel(), delay);
    }
    return new Dispatch(
        DeliveryReport.of(recorded.status()), attempt, recorded.dispatchedAt(), message.channel());
  }

  /**
   * One provider call, without the message's row lock (its callback must not wait for us). A
   * transient failure is recorded at once, in a transaction of its own: a fact, whatever becomes of
   * the job, and how its last try is known.
   */
  private ProviderCall call(Message message, int attempt) {
    String messageId = message.messageId();
    Instant sentAt = Instant.now();
    try {
      return new ProviderCall.Taken(
          provider.send(
              new ProviderRequest(message.channel(), messageId, message.to(), message.body())),
          sentAt);
    } catch (TransientProviderException e) {
      log.info("Attempt {} failed, to be tried again: {}", attempt, e.getMessage());
      metrics.providerError(message.channel(), "transient");
      ownTransaction.executeWithoutResult(
          tx -> timeline.record(messageId, TimelineEvent.DISPATCH_FAILED, attempt, e.getMessage()));
      return new ProviderCall.Failed(e);
    } catch (ProviderRejectedException e) {
      log.info("Attempt {} rejected by the provider: {}", attempt, e.getMessage());
      metrics.providerError(message.channel(), "rejected");
      return new ProviderCall.Rejected(e);
    }
  }

  /**
   * Whether the transient failures of the message's next attempt have used up the engine's retry
   * cycle ({@code relay.dispatch-retry-delays}): the job's last try has just failed.
   */
  public boolean dispatchRetriesExhausted(String messageId) {
    Message message = messages.find(messageId).orElseThrow(() -> unknown(messageId));
    int failures = timeline.count(messageId, TimelineEvent.DISPATCH_FAILED, message.attempts() + 1);
    return failures >= policies.dispatchTries();
  }

  /**
   * The room is done with the message before its delivery is: no ACK within the gate, a
   * rejection or a failure report, or a dispatch that ran out of retries. The message gets a
   * MessageResendProcess of its own, which waits for its report from now on. A message whose ACK
   * has just come needs nothing.
   */
  public void handOver(String messageId) {
    Message message = messages.lock(messageId).orElseThrow(() -> unknown(messageId));
    try (var logged = MessageLog.open(messageId, message.roomId())) {
      handOver(message);
    }
  }

  private void handOver(Message message) {
    String messageId = message.messageId();
    DeliveryReport report = DeliveryReport.of(message.status());
    if (report == DeliveryReport.DELIVERED || message.status() == MessageStatus.UNCONFIRMED) {
      return; // delivered meanwhile, or its own instance has already given it up
    }
    if (report == DeliveryReport.NONE && message.attempts() == 0) {
      timeline.record(messageId, TimelineEvent.DISPATCH_RETRIES_EXHAUSTED);
    } else if (report == DeliveryReport.NONE) {
      timeline.record(
          messageId, TimelineEvent.ACK_GATE_TIMEOUT, null, gateWaited(message));
    }
    String instanceId = instances.startResend(message, report);
    messages.setReportInstance(messageId, instanceId);
    log.debug("Handed over to its own instance {} (report {})", instanceId, report);
  }

  /**
   * How long the room waited for the ACK since the attempt it waited on reached out, and the gate
   * in use now (learned or fixed): e.g. {@code "waited 2.013s, gate 2s"}.
   */
  private String gateWaited(Message message) {
    Instant dispatchedAt =
        message.attempts() == 1
            ? message.dispatchedAt()
            : timeline.of(message.messageId()).stream()
                .filter(e -> e.event().equals(TimelineEvent.DISPATCHED.name()))
                .map(Timeline.Entry::at)
                .reduce((first, last) -> last)
                .orElse(message.dispatchedAt());
    return "waited " + seconds(Duration.between(dispatchedAt, Instant.now()))
        + ", gate " + seconds(policies.ackGate(message.channel()));
  }

  private static String seconds(Duration d) {
    return BigDecimal.valueOf(d.toMillis(), 3).stripTrailingZeros().toPlainString() + "s";
  }

  /** Ends the delivery as FAILED or UNCONFIRMED, unless an ACK came first. */
  public void giveUp(String messageId, MessageStatus outcome) {
    Message message = messages.lock(messageId).orElseThrow(() -> unknown(messageId));
    try (var logged = MessageLog.open(messageId, message.roomId())) {
      markGivenUp(message, outcome);
    }
  }

  private void markGivenUp(Message message, MessageStatus outcome) {
    if (message.status().canMoveTo(outcome)) {
      log.info("Given up as {}; attempts the provider took: {}", outcome, message.attempts());
      messages.updateStatus(message.messageId(), outcome, Instant.now());
      metrics.statusChanged(message.channel(), outcome);
      timeline.record(message.messageId(), TimelineEvent.valueOf(outcome.name()));
    }
  }

  private static IllegalStateException unknown(String messageId) {
    return new IllegalStateException("no message " + messageId);
  }

  /**
   * After a dispatch: what the provider has reported, the attempts it has accepted, when it
   * accepted the first (null: none yet), and the message's channel.
   */
  public record Dispatch(
      DeliveryReport report, int attempts, Instant firstAttemptAt, String channel) {}
}
