package dev.relay.receipt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Which push URLs Relay calls: schemes, allowed hosts, and no internal addresses by default. */
class PushTargetsTest {

  /** A DNS of its own: names resolve as listed, others do not. */
  private static final Map<String, String> DNS =
      Map.of(
          "devices.example.com", "93.184.216.34",
          "phone.devices.example.com", "93.184.216.35",
          "rebound.example.com", "127.0.0.1",
          "metadata.example.com", "169.254.169.254",
          "intranet.example.com", "10.1.2.3");

  private final PushTargets defaults = targets(List.of("http", "https"), List.of(), false);

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "http://127.0.0.1:8080/engine-rest",
        "http://127.1.2.3/x",
        "http://localhost/x",
        "http://[::1]/x",
        "http://[::ffff:127.0.0.1]/x",
        "http://0.0.0.0/x",
        "http://169.254.169.254/latest/meta-data",
        "http://10.0.0.1/x",
        "http://172.16.5.4/x",
        "http://192.168.0.1/x",
        "http://100.64.0.1/x",
        "http://[fd00::1]/x",
        "http://[fe80::1]/x",
        "http://224.0.0.1/x",
        "http://rebound.example.com/x",
        "http://metadata.example.com./x",
        "https://INTRANET.example.com/x"
      })
  void internalAddresses_refusedByDefault_withoutSayingWhich(String url) {
    assertThatThrownBy(() -> defaults.check(url))
        .isInstanceOf(PushTargets.RefusedException.class)
        .hasMessage("names a host with a loopback, link-local or private address");
  }

  @Test
  void publicHosts_pass() {
    assertThatCode(() -> defaults.check("https://devices.example.com/u1/phone")).doesNotThrowAnyException();
    assertThatCode(() -> defaults.check("http://93.184.216.34:8443/p")).doesNotThrowAnyException();
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"ftp://devices.example.com/x", "file:///etc/passwd", "gopher://devices.example.com/", "devices.example.com/x"})
  void otherSchemes_refused(String url) {
    assertThatThrownBy(() -> defaults.check(url))
        .isInstanceOf(PushTargets.RefusedException.class)
        .hasMessage("must use one of the schemes http, https");
  }

  @Test
  void userInformation_refused() {
    assertThatThrownBy(() -> defaults.check("http://user:pw@devices.example.com/x"))
        .isInstanceOf(PushTargets.RefusedException.class);
  }

  @Test
  void aHostThatDoesNotResolve_isSaidApart() {
    assertThatThrownBy(() -> defaults.check("https://nowhere.example.com/x"))
        .isInstanceOf(UnknownHostException.class);
  }

  @Test
  void allowedHosts_exactOrSubdomains_andOnlyThem() throws Exception {
    PushTargets listed = targets(List.of("https"), List.of("*.devices.example.com", "devices.example.com"), false);

    listed.check("https://devices.example.com/x");
    listed.check("https://phone.devices.example.com/x");
    assertThatThrownBy(() -> listed.check("https://evil-devices.example.com/x"))
        .isInstanceOf(PushTargets.RefusedException.class)
        .hasMessageContaining("relay.receipts.push-hosts");
    assertThatThrownBy(() -> listed.check("http://devices.example.com/x"))
        .hasMessage("must use one of the schemes https");
  }

  @Test
  void privateAddressesAllowed_forTheDemo() throws Exception {
    PushTargets demo = targets(List.of("http", "https"), List.of(), true);

    demo.check("http://localhost:8080/devices/u1/phone");
    demo.check("http://10.0.0.1/x");
  }

  private static PushTargets targets(List<String> schemes, List<String> hosts, boolean privateAddresses) {
    RelayReceiptsProperties properties =
        new RelayReceiptsProperties(
            Duration.ofSeconds(5), List.of(Duration.ofSeconds(1)), schemes, hosts, privateAddresses);
    return new PushTargets(properties, PushTargetsTest::resolve);
  }

  private static InetAddress[] resolve(String host) throws UnknownHostException {
    if (host.equals("localhost")) {
      return new InetAddress[] {InetAddress.getLoopbackAddress()};
    }
    if (Character.isDigit(host.charAt(0)) || host.contains(":")) {
      return InetAddress.getAllByName(host); // a literal: no lookup
    }
    String address = DNS.get(host);
    if (address == null) {
      throw new UnknownHostException(host);
    }
    return new InetAddress[] {InetAddress.getByName(address)};
  }
}
