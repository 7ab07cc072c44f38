package dev.relay.receipt;

import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.ok;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import dev.relay.receipt.DevicePush.Receipt;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The push URL is checked again right before each call, with a fresh lookup: a URL stored before
 * the rules, or whose name now points inside, is never called.
 */
class FeignDevicePushTest {

  private static final Receipt RECEIPT = new Receipt("room-1", 7, "sync-1");

  private final WireMockServer device = new WireMockServer(options().dynamicPort());
  /** What "device.example.com" resolves to now. */
  private volatile String dns;

  @BeforeEach
  void start() {
    device.start();
    device.stubFor(post(anyUrl()).willReturn(ok()));
  }

  @AfterEach
  void stop() {
    device.stop();
  }

  @Test
  void aUrlThatNowPointsInside_isRefusedForGood_andNeverCalled() {
    DevicePush push = push(false);
    dns = "127.0.0.1"; // registered while it pointed elsewhere; rebound since

    String url = "http://device.example.com:" + device.port() + "/devices/u1/phone";
    assertThatThrownBy(() -> push.pushReceipt(url, RECEIPT))
        .isInstanceOf(PushRejectedException.class)
        .hasMessageContaining("push URL refused");
    assertThatThrownBy(() -> push.retractReceipt(url, RECEIPT)).isInstanceOf(PushRejectedException.class);
    assertThatThrownBy(() -> push.notifySyncFailed(url, new DevicePush.SyncFailed("sync-1", "room-1")))
        .isInstanceOf(PushRejectedException.class);

    assertThat(device.findAll(anyRequestedFor(anyUrl()))).isEmpty();
  }

  @Test
  void aHostThatDoesNotResolveNow_isWorthAnotherTry() {
    DevicePush push = push(false);
    dns = null;

    assertThatThrownBy(() -> push.pushReceipt("http://device.example.com/devices/u1/phone", RECEIPT))
        .isInstanceOf(TransientPushException.class);
  }

  @Test
  void anAllowedUrl_isCalled() {
    DevicePush push = push(true); // the demo's rule: devices on this machine
    dns = "127.0.0.1";

    push.pushReceipt("http://localhost:" + device.port() + "/devices/u1/phone", RECEIPT);

    assertThat(device.findAll(anyRequestedFor(anyUrl())))
        .singleElement()
        .satisfies(call -> assertThat(call.getUrl()).isEqualTo("/devices/u1/phone/receipts"));
  }

  private FeignDevicePush push(boolean privateAddresses) {
    RelayReceiptsProperties properties =
        new RelayReceiptsProperties(
            Duration.ofSeconds(2), List.of(Duration.ofSeconds(1)), List.of("http", "https"), List.of(), privateAddresses);
    PushTargets targets = new PushTargets(properties, this::resolve);
    return new FeignDevicePush(properties, targets, new ObjectMapper());
  }

  private InetAddress[] resolve(String host) throws UnknownHostException {
    if (dns == null) {
      throw new UnknownHostException(host);
    }
    return new InetAddress[] {InetAddress.getByName(dns)};
  }
}
