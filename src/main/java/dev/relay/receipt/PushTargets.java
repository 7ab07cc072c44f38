package dev.relay.receipt;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * Which push URLs Relay may call (API.md §3): a device's URL is chosen by any API caller, so
 * without this rule Relay would POST wherever it is told, its own engine REST and the internal
 * network included. Checked when a device is registered and again, with a fresh DNS lookup,
 * before each call: a name may point elsewhere by then.
 *
 * <p>What is left: the HTTP client resolves the name once more when it connects, so a DNS server
 * that answers a public address to the check and a private one a moment later still gets
 * through. Where that matters, let Relay reach only the internet (egress rules) or name the
 * allowed hosts ({@code relay.receipts.push-hosts}).
 */
@Component
class PushTargets {

  /** How a host name becomes addresses; the DNS, but for tests. */
  interface Resolver {
    InetAddress[] resolve(String host) throws UnknownHostException;
  }

  private final List<String> schemes;
  private final List<String> hosts;
  private final boolean privateAddresses;
  private final Resolver resolver;

  @Autowired
  PushTargets(RelayReceiptsProperties properties) {
    this(properties, InetAddress::getAllByName);
  }

  PushTargets(RelayReceiptsProperties properties, Resolver resolver) {
    this.schemes = properties.pushSchemes().stream().map(s -> s.toLowerCase(Locale.ROOT)).toList();
    this.hosts = properties.pushHosts().stream().map(PushTargets::normalised).toList();
    this.privateAddresses = properties.pushToPrivateAddresses();
    this.resolver = resolver;
  }

  /**
   * Passes when Relay may call the URL.
   *
   * @throws RefusedException the URL breaks a rule; its message says which, for the caller
   * @throws UnknownHostException its host does not resolve now
   */
  void check(String pushUrl) throws UnknownHostException {
    URI url;
    try {
      url = new URI(pushUrl);
    } catch (URISyntaxException e) {
      throw new RefusedException("is not a valid URL");
    }
    String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
    if (!schemes.contains(scheme)) {
      throw new RefusedException("must use one of the schemes " + String.join(", ", schemes));
    }
    if (url.getHost() == null || url.getRawUserInfo() != null) {
      throw new RefusedException("must name a host, without user information");
    }
    String host = normalised(url.getHost());
    if (!hosts.isEmpty() && hosts.stream().noneMatch(allowed -> matches(allowed, host))) {
      throw new RefusedException("names a host that is not allowed (relay.receipts.push-hosts)");
    }
    if (privateAddresses) {
      return;
    }
    for (InetAddress address : resolver.resolve(host)) {
      if (isInternal(address)) {
        // which address is not said: the answer must not map the internal network
        throw new RefusedException("names a host with a loopback, link-local or private address");
      }
    }
  }

  private static boolean matches(String allowed, String host) {
    return allowed.startsWith("*.") ? host.endsWith(allowed.substring(1)) : host.equals(allowed);
  }

  private static String normalised(String host) {
    String h = host.toLowerCase(Locale.ROOT);
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
  }

  static boolean isInternal(InetAddress address) {
    byte[] b = address.getAddress();
    return address.isLoopbackAddress()
        || address.isAnyLocalAddress()
        || address.isLinkLocalAddress() // 169.254/16 (cloud metadata), fe80::/10
        || address.isSiteLocalAddress() // 10/8, 172.16/12, 192.168/16, fec0::/10
        || address.isMulticastAddress()
        || (address instanceof Inet6Address && (b[0] & 0xfe) == 0xfc) // unique local fc00::/7
        || (b.length == 4 && (b[0] & 0xff) == 100 && (b[1] & 0xc0) == 64) // shared 100.64/10
        || (b.length == 4 && b[0] == 0); // "this network" 0/8
  }

  /** A push URL that breaks a rule. */
  static class RefusedException extends RuntimeException {

    RefusedException(String message) {
      super(message);
    }
  }
}
