package dev.relay.channel;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import dev.relay.channel.ProviderGateway.ProviderRequest;
import dev.relay.channel.RelayChannelsProperties.Channel;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The provider call of API.md §4 and how its answers become the gateway's two failures. */
class FeignProviderGatewayTest {

  private static final String PATH = "/whatsapp/messages";
  private static final ProviderRequest REQUEST =
      new ProviderRequest("whatsapp", "m-1", "+15550100", "hello");

  private static WireMockServer wireMock;
  private ProviderGateway gateway;

  @BeforeAll
  static void startWireMock() {
    wireMock = new WireMockServer(options().dynamicPort());
    wireMock.start();
  }

  @AfterAll
  static void stopWireMock() {
    wireMock.stop();
  }

  @BeforeEach
  void setUp() {
    wireMock.resetAll();
    Channel whatsapp = new Channel(wireMock.baseUrl() + "/whatsapp", "provider-token", "secret",
        AckGateSetting.fixed(Duration.ofSeconds(2)), Duration.ofMillis(100), Duration.ofSeconds(2),
        List.of(Duration.ofSeconds(15)), 8, null);
    gateway = new FeignProviderGateway(new RelayChannelsProperties(Map.of("whatsapp", whatsapp),
        List.of(Duration.ofSeconds(5)), Duration.ofSeconds(10), 32), new ObjectMapper(),
        mock(ChannelGuard.class));
  }

  @Test
  void accepted_returnsTheProviderId_ofARequestKeyedByTheMessageId() {
    wireMock.stubFor(post(PATH).willReturn(okJson("{\"id\": \"wa-1\"}")));

    assertThat(gateway.send(REQUEST)).isEqualTo("wa-1");

    wireMock.verify(postRequestedFor(urlEqualTo(PATH))
        .withHeader("Authorization", equalTo("Bearer provider-token"))
        .withHeader("Idempotency-Key", equalTo("m-1"))
        .withRequestBody(equalToJson(
            "{\"to\": \"+15550100\", \"body\": \"hello\", \"reference\": \"m-1\"}")));
  }

  @Test
  void tooManyRequests_isTransient_withRetryAfter() {
    wireMock.stubFor(post(PATH).willReturn(aResponse().withStatus(429)
        .withHeader("Retry-After", "30").withBody("slow down")));

    TransientProviderException failed =
        catchThrowableOfType(TransientProviderException.class, () -> gateway.send(REQUEST));

    assertThat(failed).hasMessage("provider answered 429: slow down");
    assertThat(failed.retryAfter()).hasValue(Duration.ofSeconds(30));
  }

  @Test
  void serverError_isTransient() {
    wireMock.stubFor(post(PATH).willReturn(aResponse().withStatus(503)));

    assertThatThrownBy(() -> gateway.send(REQUEST))
        .isInstanceOf(TransientProviderException.class)
        .hasMessage("provider answered 503");
  }

  @Test
  void otherClientError_isARejection() {
    wireMock.stubFor(post(PATH).willReturn(aResponse().withStatus(400)
        .withBody("invalid recipient")));

    assertThatThrownBy(() -> gateway.send(REQUEST))
        .isInstanceOf(ProviderRejectedException.class)
        .hasMessage("provider answered 400: invalid recipient");
  }

  @Test
  void answerWithoutAnId_isTransient() {
    wireMock.stubFor(post(PATH).willReturn(okJson("{}")));

    assertThatThrownBy(() -> gateway.send(REQUEST))
        .isInstanceOf(TransientProviderException.class)
        .hasMessage("provider answered without an id");
  }

  @Test
  void unknownChannel_isNotCalled() {
    assertThatThrownBy(() -> gateway.send(new ProviderRequest("sms", "m-1", "+1", "hi")))
        .isInstanceOf(ChannelPolicies.UnknownChannelException.class);
    assertThat(wireMock.getAllServeEvents()).isEmpty();
  }
}
