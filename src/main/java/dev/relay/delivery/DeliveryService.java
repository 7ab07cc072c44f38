package dev.relay.delivery;

import dev.relay.channel.ProviderGateway;
import dev.relay.channel.ProviderGateway.ProviderRequest;
import dev.relay.channel.ProviderRejectedException;
import dev.relay.channel.TransientProviderException;
import dev.relay.fallback.FallbackMailer;
import dev.relay.room.RoomTurns;
import dev.relay.timeline.Timeline;
import dev.relay.timeline.TimelineEvent;
import java.time.Instant;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/** The steps of a delivery that the process runs: dispatch, and giving up. */
@Service
public class DeliveryService {

  private final MessageRepository messages;
  private final ProviderGateway provider;
  private final RoomTurns rooms;
  private final Timeline timeline;
  private final FallbackMailer mailer;
  private final TransactionTemplate ownTransaction;

  DeliveryService(
      MessageRepository messages,
      ProviderGateway provider,
      RoomTurns rooms,
      Timeline timeline,
      FallbackMailer mailer,
      PlatformTransactionManager transactions) {
    this.messages = messages;
    this.provider = provider;
    this.rooms = rooms;
    this.timeline = timeline;
    this.mailer = mailer;
    this.ownTransaction = new TransactionTemplate(transactions);
    this.ownTransaction.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
  }

  /**
   * One attempt, in the dispatch job's transaction. What the provider got is recorded in a
   * transaction of its own, as a fact, even when the job's transaction is then rolled back
   * because an ACK that raced this call has already moved the instance on.
   *
   * @throws TransientProviderException the job fails and the engine retries it
   * @throws ProviderRejectedException the provider will never take the message
   */
  public DispatchOutcome dispatch(String messageId) {
    Message message = messages.find(messageId).orElseThrow(() -> unknown(messageId));
    if (message.status().isAcknowledged() || message.status().isGivenUp()) {
      // a status arrived, but its correlation did not reach the instance: skip the resend
      return DispatchOutcome.of(message.attempts(), message.status());
    }
    int attempt = message.attempts() + 1;
    Instant sentAt = Instant.now();
    String providerMessageId;
    try {
      providerMessageId =
          provider.send(
              new ProviderRequest(message.channel(), messageId, message.to(), message.body()));
    } catch (TransientProviderException e) {
      ownTransaction.executeWithoutResult(
          tx -> timeline.record(messageId, TimelineEvent.DISPATCH_FAILED, attempt, e.getMessage()));
      throw e;
    } catch (ProviderRejectedException e) {
      timeline.record(messageId, TimelineEvent.PROVIDER_REJECTED, attempt, e.getMessage());
      throw e;
    }
    ownTransaction.executeWithoutResult(
        tx -> {
          messages.lock(messageId);
          messages.recordAttempt(messageId, attempt, providerMessageId, sentAt);
          // stamped with the call's start: an ACK sent from inside the provider's handler is
          // recorded before this, but must not read as if it came first
          timeline.record(messageId, TimelineEvent.DISPATCHED, attempt, null, sentAt);
        });
    // The lock is held until the job commits: a status arriving now waits, then finds the
    // instance waiting for it; one that came first is seen here.
    MessageStatus status = messages.lock(messageId).orElseThrow(() -> unknown(messageId)).status();
    return DispatchOutcome.of(attempt, status);
  }

  /** Ends the delivery as FAILED or UNCONFIRMED and passes the room's turn on. */
  public void giveUp(String messageId, MessageStatus outcome) {
    Message message = messages.lock(messageId).orElseThrow(() -> unknown(messageId));
    if (message.status().canMoveTo(outcome)) {
      messages.updateStatus(messageId, outcome, Instant.now());
      timeline.record(messageId, TimelineEvent.valueOf(outcome.name()));
    }
    rooms.release(message.roomId(), messageId);
  }

  /** Mails the text to the message's fallback address, if it has one. */
  public void sendFallbackEmail(String messageId) {
    Message message = messages.find(messageId).orElseThrow(() -> unknown(messageId));
    if (message.fallbackEmail() == null) {
      return;
    }
    String why =
        message.status() == MessageStatus.FAILED
            ? "was rejected by the provider"
            : "could not be confirmed after " + message.attempts() + " attempts";
    mailer.send(
        message.fallbackEmail(),
        "Your message could not be delivered by " + message.channel(),
        "Your message to "
            + message.to()
            + " on "
            + message.channel()
            + " "
            + why
            + ". Here is its text:\n\n"
            + message.body());
    timeline.record(messageId, TimelineEvent.FALLBACK_EMAIL_SENT, null, message.fallbackEmail());
  }

  private static IllegalStateException unknown(String messageId) {
    return new IllegalStateException("no message " + messageId);
  }

  /** What the process needs to know after a dispatch. */
  public record DispatchOutcome(int attempt, boolean acknowledged, boolean read, boolean failed) {
    static DispatchOutcome of(int attempt, MessageStatus status) {
      return new DispatchOutcome(
          attempt, status.isAcknowledged(), status == MessageStatus.READ, status == MessageStatus.FAILED);
    }
  }
}
