package dev.relay.webhook;

import static dev.relay.support.TestChannels.CHANNEL;
import static dev.relay.support.TestChannels.WEBHOOK_SECRET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.when;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import dev.relay.delivery.ProviderStatus;
import dev.relay.delivery.ProviderStatus.Kind;
import dev.relay.support.TestChannels;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.autoconfigure.web.servlet.WebMvcTest;
import org.springframework.context.annotation.ComponentScan.Filter;
import org.springframework.context.annotation.FilterType;
import org.springframework.context.annotation.Import;
import org.springframework.http.MediaType;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.ResultActions;
import org.springframework.test.web.servlet.request.MockMvcRequestBuilders;

/**
 * API.md §4's callback endpoint: size first, signature over the raw bytes next, then parsing, then
 * hand-off; every refusal problem+json.
 */
@WebMvcTest(
    controllers = WebhookController.class,
    includeFilters = @Filter(type = FilterType.ASSIGNABLE_TYPE, classes = WebhookSecurity.class),
    properties = "relay.webhooks.max-request-size=" + WebhookControllerTest.LIMIT)
@EnableConfigurationProperties(WebhookProperties.class)
@Import(TestChannels.class)
class WebhookControllerTest {

  static final int LIMIT = 4096;

  private static final String THREE_STATUSES =
      """
      {"statuses": [
        {"id": "wamid.1", "reference": "m-1", "status": "sent", "timestamp": "2025-01-02T03:04:05Z"},
        {"id": "wamid.1", "reference": "m-1", "status": "delivered", "timestamp": "2025-01-02T03:04:06+01:00"},
        {"reference": "m-2", "status": "read"}
      ]}""";

  @Autowired MockMvc mvc;
  @MockitoBean StatusReceiver receiver;

  @Test
  void validSignature_200_theStatusesHandedOnTogetherInOrder() throws Exception {

    post(CHANNEL, THREE_STATUSES, sign(THREE_STATUSES)).andExpect(status().isOk());

    verify(receiver)
        .receive(
            List.of(
            new ProviderStatus(CHANNEL, "wamid.1", "m-1", Kind.SENT, Instant.parse("2025-01-02T03:04:05Z")),
            new ProviderStatus(CHANNEL, "wamid.1", "m-1", Kind.DELIVERED, Instant.parse("2025-01-02T02:04:06Z")),
            new ProviderStatus(CHANNEL, null, "m-2", Kind.READ, null)));
  }

  @Test
  void unknownOrDuplicateStatus_stillAnswered200() throws Exception {
    String body = "{\"statuses\": [{\"id\": \"wamid.nobody\", \"status\": \"delivered\"}]}";

    post(CHANNEL, body, sign(body)).andExpect(status().isOk());

    verify(receiver).receive(List.of(new ProviderStatus(CHANNEL, "wamid.nobody", null, Kind.DELIVERED, null)));
  }

  @Test
  void signatureIsCheckedOverTheExactRawBytes() throws Exception {
    String compact = "{\"statuses\":[{\"reference\":\"m-1\",\"status\":\"delivered\"}]}";
    String spaced = "{ \"statuses\" : [ { \"reference\" : \"m-1\", \"status\" : \"delivered\" } ] }\n";

    // the same JSON with other whitespace is other bytes: the compact body's signature fails
    post(CHANNEL, spaced, sign(compact)).andExpect(status().isUnauthorized());
    verifyNoInteractions(receiver);

    // signed over its own bytes, whitespace and all, it passes
    post(CHANNEL, spaced, sign(spaced)).andExpect(status().isOk());
    verify(receiver).receive(List.of(new ProviderStatus(CHANNEL, null, "m-1", Kind.DELIVERED, null)));
  }

  @ParameterizedTest(name = "signature \"{0}\"")
  @ValueSource(
      strings = {
        "sha256=0000000000000000000000000000000000000000000000000000000000000000",
        "sha256=",
        "not-a-signature",
        "wrong-secret"
      })
  void wrongSignature_401_nothingHandedOn(String signature) throws Exception {
    String header =
        signature.equals("wrong-secret")
            ? WebhookSignature.sign(THREE_STATUSES.getBytes(StandardCharsets.UTF_8), "other-secret")
            : signature;

    post(CHANNEL, THREE_STATUSES, header).andExpect(status().isUnauthorized());

    verifyNoInteractions(receiver);
  }

  @Test
  void eachFailedCheck_401_problemSayingWhich_notWhatWouldPass() throws Exception {
    String wellFormed = "sha256=" + "0".repeat(64);
    String expected = sign(THREE_STATUSES);

    expectUnauthorized(post(CHANNEL, THREE_STATUSES, null), "X-Relay-Signature is missing");
    expectUnauthorized(post(CHANNEL, THREE_STATUSES, "md5=abc"), "is not of the form sha256=<64 lower-case hex digits>");
    expectUnauthorized(post(CHANNEL, THREE_STATUSES, wellFormed), "does not match the body")
        .andExpect(content().string(not(containsString(expected.substring(7)))))
        .andExpect(content().string(not(containsString(WEBHOOK_SECRET))));

    verifyNoInteractions(receiver);
  }

  @Test
  void missingSignature_401_nothingHandedOn() throws Exception {
    post(CHANNEL, THREE_STATUSES, null).andExpect(status().isUnauthorized());

    verifyNoInteractions(receiver);
  }

  @Test
  void bodyOverTheLimit_413_beforeItsSignatureIsChecked() throws Exception {
    String large = "{\"statuses\": [" + "{\"reference\": \"m-1\", \"status\": \"sent\"},".repeat(LIMIT / 30) + "]}";
    assertThat(large.length()).isGreaterThan(LIMIT);

    // the signature is right: it is not even looked at
    post(CHANNEL, large, sign(large))
        .andExpect(status().isPayloadTooLarge())
        .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
        .andExpect(jsonPath("$.status").value(413))
        .andExpect(jsonPath("$.detail").value(containsString(LIMIT + " bytes")));
    post(CHANNEL, large, null).andExpect(status().isPayloadTooLarge());

    verifyNoInteractions(receiver);
  }

  @Test
  void badTimestamp_400_namesTheField_noJavaClass() throws Exception {
    String body = "{\"statuses\": [{\"reference\": \"m-1\", \"status\": \"read\", \"timestamp\": \"yesterday\"}]}";

    post(CHANNEL, body, sign(body))
        .andExpect(status().isBadRequest())
        .andExpect(jsonPath("$.errors[0].field").value("statuses.[0].timestamp"))
        .andExpect(jsonPath("$.detail").value(not(containsString("java."))))
        .andExpect(jsonPath("$.detail").value(not(containsString("dev.relay"))))
        .andExpect(jsonPath("$.detail").value(not(containsString("Exception"))));
  }

  @Test
  void getOnTheWebhook_405_problem() throws Exception {
    mvc.perform(MockMvcRequestBuilders.get("/webhooks/{channel}", CHANNEL))
        .andExpect(status().isMethodNotAllowed())
        .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
        .andExpect(jsonPath("$.status").value(405));
  }

  @Test
  void signatureOfAnotherBody_401_nothingHandedOn() throws Exception {
    String other = THREE_STATUSES.replace("delivered", "failed");

    post(CHANNEL, THREE_STATUSES, sign(other)).andExpect(status().isUnauthorized());

    verifyNoInteractions(receiver);
  }

  @Test
  void unknownChannel_404_nothingHandedOn() throws Exception {
    post("telegram", THREE_STATUSES, sign(THREE_STATUSES))
        .andExpect(status().isNotFound())
        .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON));

    verifyNoInteractions(receiver);
  }

  @ParameterizedTest(name = "body [{0}]")
  @ValueSource(
      strings = {
        "{\"statuses\": [{\"reference\": \"m-1\", \"status\": ",
        "",
        "[]",
        "{}",
        "{\"statuses\": []}",
        "{\"statuses\": [null]}",
        "{\"statuses\": \"delivered\"}",
        "{\"statuses\": [{\"reference\": \"m-1\", \"status\": \"DELIVERED!\"}]}",
        "{\"statuses\": [{\"reference\": \"m-1\", \"status\": \"seen\"}]}",
        "{\"statuses\": [{\"reference\": \"m-1\"}]}",
        "{\"statuses\": [{\"status\": \"delivered\", \"timestamp\": \"2025-01-02T03:04:05Z\"}]}",
        "{\"statuses\": [{\"reference\": \"m-1\", \"status\": \"delivered\", \"timestamp\": \"yesterday\"}]}"
      })
  void malformedBody_400_nothingHandedOn(String body) throws Exception {
    post(CHANNEL, body, sign(body))
        .andExpect(status().isBadRequest())
        .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
        .andExpect(jsonPath("$.status").value(400))
        .andExpect(jsonPath("$.errors[0].field").isNotEmpty());

    verifyNoInteractions(receiver);
  }

  @Test
  void oneBadStatusAmongGoodOnes_400_noneHandedOn() throws Exception {
    String body =
        "{\"statuses\": [{\"reference\": \"m-1\", \"status\": \"delivered\"},"
            + " {\"status\": \"read\"}]}";

    post(CHANNEL, body, sign(body))
        .andExpect(status().isBadRequest())
        .andExpect(jsonPath("$.errors[0].field").value("statuses[].reference"));

    verifyNoInteractions(receiver);
  }

  private static ResultActions expectUnauthorized(ResultActions result, String detail) throws Exception {
    return result
        .andExpect(status().isUnauthorized())
        .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
        .andExpect(jsonPath("$.status").value(401))
        .andExpect(jsonPath("$.title").value("Unauthorized"))
        .andExpect(jsonPath("$.detail").value(containsString(detail)));
  }

  private ResultActions post(String channel, String body, String signature) throws Exception {
    var request =
        MockMvcRequestBuilders.post("/webhooks/{channel}", channel)
            .contentType(MediaType.APPLICATION_JSON)
            .content(body.getBytes(StandardCharsets.UTF_8));
    if (signature != null) {
      request.header(WebhookSignature.HEADER, signature);
    }
    return mvc.perform(request);
  }

  private static String sign(String body) {
    return WebhookSignature.sign(body.getBytes(StandardCharsets.UTF_8), WEBHOOK_SECRET);
  }
}
