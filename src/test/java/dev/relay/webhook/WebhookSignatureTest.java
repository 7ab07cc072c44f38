package dev.relay.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

/** The X-Relay-Signature header of API.md §4. */
class WebhookSignatureTest {

  // RFC 4231, test case 2: HMAC-SHA256 with key "Jefe"
  private static final byte[] RFC4231_DATA =
      "what do ya want for nothing?".getBytes(StandardCharsets.US_ASCII);
  private static final String RFC4231_KEY = "Jefe";
  private static final String RFC4231_HEADER =
      "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";

  @Test
  void sign_knownAnswer_lowerCaseHexWithPrefix() {
    assertThat(WebhookSignature.sign(RFC4231_DATA, RFC4231_KEY)).isEqualTo(RFC4231_HEADER);
  }

  @Test
  void sign_keyIsTheSecretsUtf8Bytes() {
    byte[] body = "{}".getBytes(StandardCharsets.UTF_8);

    assertThat(WebhookSignature.sign(body, "geheimnis-ä"))
        .isNotEqualTo(WebhookSignature.sign(body, "geheimnis-a"))
        .matches("sha256=[0-9a-f]{64}");
  }

  @Test
  void matches_acceptsTheRightHeader() {
    assertThat(WebhookSignature.matches(RFC4231_DATA, RFC4231_KEY, RFC4231_HEADER)).isTrue();
  }

  @ParameterizedTest(name = "rejects \"{0}\"")
  @NullAndEmptySource
  @ValueSource(
      strings = {
        // upper-case hex: API.md asks for lower case, and the comparison is byte for byte
        "sha256=5BDCC146BF60754E6A042426089575C75A003F089D2739839DEC58B964EC3843",
        // no prefix, other prefix
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
        "sha1=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
        // one hex digit off, last digit missing, one digit too many
        "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3842",
        "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec384",
        "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec38430",
        "sha256=",
        "sha256"
      })
  void matches_rejectsAnyOtherHeader(String header) {
    assertThat(WebhookSignature.matches(RFC4231_DATA, RFC4231_KEY, header)).isFalse();
  }

  @Test
  void matches_rejectsOtherBodyOrOtherSecret() {
    byte[] otherBody = "what do ya want for nothing!".getBytes(StandardCharsets.US_ASCII);

    assertThat(WebhookSignature.matches(otherBody, RFC4231_KEY, RFC4231_HEADER)).isFalse();
    assertThat(WebhookSignature.matches(RFC4231_DATA, "jefe", RFC4231_HEADER)).isFalse();
  }

  @Test
  void matches_neverWithoutASecret() {
    assertThat(WebhookSignature.matches(RFC4231_DATA, null, RFC4231_HEADER)).isFalse();
    assertThat(WebhookSignature.matches(RFC4231_DATA, "", RFC4231_HEADER)).isFalse();
  }
}
