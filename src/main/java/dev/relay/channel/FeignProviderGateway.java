package dev.relay.channel;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relay.http.RemoteCallException;
import dev.relay.http.RemoteCalls;
import java.util.Map;
import java.util.stream.Collectors;
import org.springframework.stereotype.Component;

/**
 * One Feign client per configured channel, set up and sorted as {@link RemoteCalls} does for
 * every service Relay calls: the engine's job retries, Feign never does. Each answer counts for
 * the channel's circuit ({@link ChannelGuard}): a transient failure against it, any other answer
 * (a rejection too: the provider is up) for it.
 */
@Component
class FeignProviderGateway implements ProviderGateway {

  private final RemoteCalls providers;
  private final Map<String, ProviderApi> clients;
  private final Map<String, String> tokens;
  private final ChannelGuard guard;

  FeignProviderGateway(
      RelayChannelsProperties properties, ObjectMapper objectMapper, ChannelGuard guard) {
    this.guard = guard;
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
        guard.failed(request.channel());
        throw new TransientProviderException(
            failed.getMessage(), failed.retryAfter().orElse(null), failed);
      }
      guard.succeeded(request.channel());
      throw new ProviderRejectedException(failed.getMessage());
    }
    if (accepted == null || accepted.id() == null || accepted.id().isBlank()) {
      guard.failed(request.channel());
      throw new TransientProviderException("provider answered without an id", null, null);
    }
    guard.succeeded(request.channel());
    return accepted.id();
  }
}
