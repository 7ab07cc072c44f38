package dev.relay.delivery;

import dev.relay.channel.ProviderRejectedException;
import dev.relay.channel.TransientProviderException;
import java.time.Instant;

/** What one provider call of a message came to, before it is recorded. */
sealed interface ProviderCall {

  /** The provider took the message as {@code providerMessageId}; the call started {@code at}. */
  record Taken(String providerMessageId, Instant at) implements ProviderCall {}

  /** Failed for now: the job fails and the engine retries it. */
  record Failed(TransientProviderException failure) implements ProviderCall {}

  /** Refused for good. */
  record Rejected(ProviderRejectedException rejection) implements ProviderCall {}

  /** A call made before its job ran ({@link ProviderCallAhead}), with the message it was made for. */
  record MadeAhead(Message message, ProviderCall call) {}
}
