package dev.relay.channel;

/** Hands a message to a channel's provider (API.md §4, the call Relay makes). */
public interface ProviderGateway {

  /**
   * Sends one attempt. {@code request.messageId()} is the idempotency key: the provider answers
   * every attempt of one message with the same provider id, so resends never duplicate.
   *
   * @return the provider's message id
   * @throws TransientProviderException 429, 5xx, timeout, connection refused: try again later
   * @throws ProviderRejectedException any other 4xx: the provider will never take it
   */
  String send(ProviderRequest request);

  record ProviderRequest(String channel, String messageId, String to, String body) {}
}
