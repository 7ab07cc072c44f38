package dev.relay.channel;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relay.http.RemoteCallException;
import dev.relay.http.RemoteCalls;
import java.util.Map;
import java.util.stream.Collectors;
import org.springframework.stereotype.Component;

/**
 * One Feign client per configured channel, set up and sorted as {@link RemoteCalls} does for
 * every service Relay calls: the engine's job retries, Feign never does.
 */
@Component
class FeignProviderGateway implements ProviderGateway {

  private final RemoteCalls providers;
  private final Map<String, ProviderApi> clients;
  private final Map<String, String> tokens;

  FeignProviderGateway(RelayChannelsProperties properties, ObjectMapper objectMapper) {
    this.providers = new RemoteCalls("provider", properties.providerTimeout(), objectMapper);
    this.clients =
        properties.channels().entrySet().stream()
            .collect(
                Collectors.toUnmodifiableMap(
                    Map.Entry::getKey,
                    e -> providers.feign().target(ProviderApi.class, e.getValue().baseUrl())));
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
    ProviderApi.Accepted accepted;
    try {
      accepted =
          providers.call(
              () ->
                  client.send(
                      tokens.get(request.channel()),
                      request.messageId(),
                      new ProviderApi.Outgoing(request.to(), request.body(), request.messageId())));
    } catch (RemoteCallException failed) {
      if (failed.isTransient()) {
        throw new TransientProviderException(
            failed.getMessage(), failed.retryAfter().orElse(null), failed);
      }
      throw new ProviderRejectedException(failed.getMessage());
    }
    if (accepted == null || accepted.id() == null || accepted.id().isBlank()) {
      throw new TransientProviderException("provider answered without an id", null, null);
    }
    return accepted.id();
  }
}
