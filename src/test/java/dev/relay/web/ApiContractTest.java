package dev.relay.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * The committed list of /api operations ({@code openapi/api-contract.txt}, which ApiDocumentIT
 * holds the OpenAPI document to) is API.md's: checked where the contract is beside the work tree
 * (../shared/API.md); a clean clone has only the list.
 */
class ApiContractTest {

  private static final Path API_MD = Path.of("..", "shared", "API.md");

  @Test
  void theExtractionFindsEachOperationOnce_andNothingOutsideApi() {
    String text =
        """
        ```
        GET /api/messages/{messageId}   -> 200 message view | 404 problem+json
        PUT  /api/users/{userId}/devices/{deviceId}       {"pushUrl": "http://..."}   -> 204
        POST {base-url}/messages
        POST /webhooks/{channel}
        PATCH /api/channels/{name}  {"rateLimit": 20}   -> 200 the channel view
        GET /api/messages/{messageId}
        ```
        Relay calls GET /api/nothing in prose only when a line starts with it.
        """;

    assertThat(ApiContract.of(text))
        .containsExactly(
            "GET /api/messages/{messageId}",
            "PATCH /api/channels/{name}",
            "PUT /api/users/{userId}/devices/{deviceId}");
  }

  @Test
  @EnabledIf("apiMdIsBeside")
  void committedListIsApiMds() throws Exception {
    assertThat(ApiContract.committed())
        .isEqualTo(ApiContract.of(Files.readString(API_MD, StandardCharsets.UTF_8)));
  }

  static boolean apiMdIsBeside() {
    return Files.isRegularFile(API_MD);
  }
}
