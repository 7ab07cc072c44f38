package dev.relay.channel;

import dev.relay.channel.RelayChannelsProperties.Channel;
import feign.Feign;
import feign.FeignException;
import feign.Request;
import feign.RetryableException;
import feign.Retryer;
import feign.jackson.JacksonDecoder;
import feign.jackson.JacksonEncoder;
import feign.http2client.Http2Client;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.springframework.stereotype.Component;

/**
 * One Feign client per configured channel. Feign never retries by itself: retries belong to the
 * engine's job, where they are visible in Cockpit and survive a node's death.
 */
@Component
class FeignProviderGateway implements ProviderGateway {

  private final Map<String, ProviderApi> clients;
  private final Map<String, String> tokens;

  FeignProviderGateway(RelayChannelsProperties properties, ObjectMapper objectMapper) {
    Duration timeout = properties.providerTimeout();
    HttpClient http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(timeout)
            .build();
    Request.Options options =
        new Request.Options(timeout.toMillis(), TimeUnit.MILLISECONDS, timeout.toMillis(), TimeUnit.MILLISECONDS, false);
    this.clients =
        properties.channels().entrySet().stream()
            .collect(
                Collectors.toUnmodifiableMap(
                    Map.Entry::getKey,
                    e ->
                        Feign.builder()
                            .client(new Http2Client(http))
                            .encoder(new JacksonEncoder(objectMapper))
                            .decoder(new JacksonDecoder(objectMapper))
                            .options(options)
                            .retryer(Retryer.NEVER_RETRY)
                            .target(ProviderApi.class, e.getValue().baseUrl())));
    this.tokens =
        properties.channels().entrySet().stream()
            .collect(Collectors.toUnmodifiableMap(Map.Entry::getKey, e -> e.getValue().apiToken()));
  }

  @Override
  public String send(ProviderRequest request) {
    ProviderApi client = clients.get(request.channel());
    if (client == null) {
      throw new ChannelPolicies.UnknownChannelException(request.channel());
    }
    try {
      ProviderApi.Accepted accepted =
          client.send(
              tokens.get(request.channel()),
              request.messageId(),
              new ProviderApi.Outgoing(request.to(), request.body(), request.messageId()));
      if (accepted == null || accepted.id() == null || accepted.id().isBlank()) {
        throw new TransientProviderException("provider answered without an id", null, null);
      }
      return accepted.id();
    } catch (RetryableException e) {
      // timeouts, connection refused, and 503 answers with Retry-After all land here
      throw new TransientProviderException(describe(e), retryAfter(e), e);
    } catch (FeignException e) {
      int status = e.status();
      if (status == 429 || status >= 500 || status < 0) {
        throw new TransientProviderException(describe(e), retryAfter(e), e);
      }
      throw new ProviderRejectedException(status, describe(e));
    }
  }

  private static String describe(FeignException e) {
    return e.status() > 0
        ? "provider answered " + e.status() + ": " + e.contentUTF8()
        : "provider unreachable: " + e.getMessage();
  }

  /** Retry-After in seconds (RFC 9110 also allows a date; providers of API.md send seconds). */
  static Duration retryAfter(FeignException e) {
    Collection<String> values = e.responseHeaders().getOrDefault("retry-after", null);
    if (values == null) {
      values =
          e.responseHeaders().entrySet().stream()
              .filter(h -> h.getKey().equalsIgnoreCase("retry-after"))
              .map(Map.Entry::getValue)
              .findFirst()
              .orElse(null);
    }
    if (values == null || values.isEmpty()) {
      return null;
    }
    try {
      long seconds = Long.parseLong(values.iterator().next().trim());
      return seconds > 0 ? Duration.ofSeconds(seconds) : null;
    } catch (NumberFormatException notSeconds) {
      return null;
    }
  }
}
