package dev.relay.simulator;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs callbacks as a provider does (API.md §4): {@code X-Relay-Signature: sha256=<lower-case hex
 * HMAC-SHA256 of the raw body>}, keyed with the channel's webhook secret. The simulator's own
 * signer, as a real provider has its own: it shares no code with Relay's verifier, so the tests
 * that check one against the other check the contract.
 */
final class CallbackSignature {

  static final String HEADER = "X-Relay-Signature";

  private CallbackSignature() {}

  static String sign(byte[] body, String secret) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HMAC-SHA256 unavailable", e);
    }
  }
}
