package dev.relay.delivery;

import dev.relay.channel.ChannelGuard;
import dev.relay.channel.HeldCalls;
import dev.relay.engine.ContinuationAdmission;
import java.time.Instant;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * The provider calls of the diagrams (Task_DispatchMessage, Task_ResendMessage: extension property
 * {@code waitForAdmission = <the message id>}) wait for their channel's circuit and rate limit
 * before their job runs: a held call is a job due later, no thread, no connection, no attempt.
 * The hold is noted on the message (held_until, in the job's transaction): that is the channel
 * view's {@code waiting}.
 */
@Component
class ProviderCallHold implements ContinuationAdmission, HeldCalls {

  private final MessageRepository messages;
  private final ChannelGuard guard;

  ProviderCallHold(MessageRepository messages, ChannelGuard guard) {
    this.messages = messages;
    this.guard = guard;
  }

  @Override
  public Optional<Instant> notBefore(String messageId) {
    if (guard.holdsNone()) {
      return Optional.empty(); // the common case: no statement at all
    }
    if (DeliveryService.isCalledAhead(messageId)) {
      return Optional.empty(); // made while the channel held none: the job records it
    }
    Optional<Message> message = messages.find(messageId);
    if (message.isEmpty()
        || message.get().status().isAcknowledged()
        || message.get().status().isGivenUp()) {
      return Optional.empty(); // the job calls no provider: let it run and say so
    }
    Optional<Instant> until = guard.admit(message.get().channel());
    until.ifPresent(at -> messages.hold(messageId, at));
    return until;
  }

  @Override
  public long count(String channel) {
    return messages.countHeld(channel, Instant.now());
  }
}
