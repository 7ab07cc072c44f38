package dev.relay.support;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relay.webhook.WebhookSignature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Plays the provider's side of API.md §4's callbacks: signs each body with {@link
 * WebhookSignature} over its exact bytes and posts it to Relay's webhook of one channel. Plain
 * JDK HTTP, so the provider stub can call back from inside its own request handler too.
 */
public final class WebhookClient {

  private static final HttpClient HTTP =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private static final ObjectMapper JSON = new ObjectMapper();

  private final URI endpoint;
  private final String secret;

  public WebhookClient(URI endpoint, String secret) {
    this.endpoint = endpoint;
    this.secret = secret;
  }

  URI endpoint() {
    return endpoint;
  }

  String secret() {
    return secret;
  }

  /** Posts the statuses in one request, as a provider does; returns Relay's HTTP status. */
  public int send(Status... statuses) {
    return send(body(List.of(statuses)));
  }

  /** Posts this exact body, signed; returns Relay's HTTP status. */
  public int send(String body) {
    byte[] raw = body.getBytes(StandardCharsets.UTF_8);
    HttpRequest request =
        HttpRequest.newBuilder(endpoint)
            .header("Content-Type", "application/json")
            .header(WebhookSignature.HEADER, WebhookSignature.sign(raw, secret))
            .POST(HttpRequest.BodyPublishers.ofByteArray(raw))
            .build();
    try {
      return HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** {@code delivered} for a message, with the provider id {@link ProviderStub} gives it. */
  public static Status delivered(String messageId) {
    return status(messageId, "delivered");
  }

  public static Status read(String messageId) {
    return status(messageId, "read");
  }

  public static Status status(String messageId, String status) {
    return new Status(ProviderStub.providerId(messageId), messageId, status);
  }

  private static String body(List<Status> statuses) {
    try {
      return JSON.writeValueAsString(Map.of("statuses", statuses.stream().map(Status::json).toList()));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** One status of a callback; a null id or reference is left out, as a provider may. */
  public record Status(String id, String reference, String status) {

    private Map<String, String> json() {
      Map<String, String> fields = new LinkedHashMap<>();
      if (id != null) {
        fields.put("id", id);
      }
      if (reference != null) {
        fields.put("reference", reference);
      }
      fields.put("status", status);
      fields.put("timestamp", Instant.now().toString());
      return fields;
    }
  }
}
