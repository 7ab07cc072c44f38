package dev.relay.channel;

import com.fasterxml.jackson.databind.ObjectMapper;
import feign.Feign;
import feign.FeignException;
import feign.Request;
import feign.Response;
import feign.RetryableException;
import feign.Retryer;
import feign.codec.ErrorDecoder;
import feign.http2client.Http2Client;
import feign.jackson.JacksonDecoder;
import feign.jackson.JacksonEncoder;
import java.io.IOException;
import java.io.Reader;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
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
                            .errorDecoder(new ProviderErrors())
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
    } catch (RetryableException unreachable) {
      // connection refused, timeouts: Feign's own retries are off, the engine's job retries
      throw new TransientProviderException(
          "provider unreachable: " + unreachable.getMessage(), null, unreachable);
    } catch (FeignException undecodable) {
      throw new TransientProviderException(
          "provider answer not understood: " + undecodable.getMessage(), null, undecodable);
    }
  }

  /** Sorts the provider's error answers into API.md §4's two kinds, keeping Retry-After. */
  static final class ProviderErrors implements ErrorDecoder {

    @Override
    public Exception decode(String methodKey, Response response) {
      int status = response.status();
      String detail = "provider answered " + status + body(response);
      if (status == 429 || status >= 500) {
        return new TransientProviderException(detail, retryAfter(response.headers()), null);
      }
      return new ProviderRejectedException(detail);
    }

    private static String body(Response response) {
      if (response.body() == null) {
        return "";
      }
      try (Reader reader = response.body().asReader(StandardCharsets.UTF_8)) {
        char[] start = new char[300];
        int read = reader.read(start);
        return read > 0 ? ": " + new String(start, 0, read) : "";
      } catch (IOException unreadable) {
        return "";
      }
    }
  }

  /** Retry-After in seconds (RFC 9110 also allows a date; providers of API.md send seconds). */
  static Duration retryAfter(Map<String, Collection<String>> headers) {
    Collection<String> values =
        headers.entrySet().stream()
            .filter(h -> h.getKey().equalsIgnoreCase("retry-after"))
            .map(Map.Entry::getValue)
            .findFirst()
            .orElse(List.of());
    if (values.isEmpty()) {
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
