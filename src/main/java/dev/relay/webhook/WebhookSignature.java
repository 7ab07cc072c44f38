package dev.relay.webhook;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** The {@code X-Relay-Signature} header of API.md §4: {@code sha256=<hex HMAC-SHA256 of the raw body>}. */
public final class WebhookSignature {

  public static final String HEADER = "X-Relay-Signature";
  private static final String PREFIX = "sha256=";
  private static final Pattern WELL_FORMED = Pattern.compile("sha256=[0-9a-f]{64}");

  private WebhookSignature() {}

  public static String sign(byte[] body, String secret) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return PREFIX + HexFormat.of().formatHex(mac.doFinal(body));
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HMAC-SHA256 unavailable", e);
    }
  }

  /** Constant-time comparison, so the answer's timing says nothing about the expected value. */
  public static boolean matches(byte[] body, String secret, String header) {
    return check(body, secret, header) == Check.VALID;
  }

  /** What a signature check found; every outcome but VALID is a 401. */
  enum Check {
    VALID(null),
    MISSING(HEADER + " is missing"),
    MALFORMED(HEADER + " is not of the form sha256=<64 lower-case hex digits>"),
    MISMATCH(HEADER + " does not match the body: it must be the HMAC-SHA256 of the exact bytes"
        + " received, keyed with this channel's webhook secret");

    /** Says which check failed: nothing an attacker does not already know from API.md §4. */
    final String problem;

    Check(String problem) {
      this.problem = problem;
    }
  }

  static Check check(byte[] body, String secret, String header) {
    if (header == null || header.isBlank()) {
      return Check.MISSING;
    }
    String given = header.trim();
    if (!WELL_FORMED.matcher(given).matches()) {
      return Check.MALFORMED;
    }
    if (secret == null || secret.isEmpty()) {
      return Check.MISMATCH;
    }
    byte[] expected = sign(body, secret).getBytes(StandardCharsets.US_ASCII);
    return MessageDigest.isEqual(expected, given.getBytes(StandardCharsets.US_ASCII))
        ? Check.VALID
        : Check.MISMATCH;
  }
}
