package dev.relay.channel;

import feign.Headers;
import feign.Param;
import feign.RequestLine;

/** Feign view of a provider's HTTP API (API.md §4). */
interface ProviderApi {

  @RequestLine("POST /messages")
  @Headers({
    "Content-Type: application/json",
    "Authorization: Bearer {token}",
    "Idempotency-Key: {idempotencyKey}"
  })
  Accepted send(
      @Param("token") String token,
      @Param("idempotencyKey") String idempotencyKey,
      Outgoing message);

  record Outgoing(String to, String body, String reference) {}

  record Accepted(String id) {}
}
