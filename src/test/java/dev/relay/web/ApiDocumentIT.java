package dev.relay.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.ActiveProfiles;

/**
 * The demo serves the OpenAPI document of /api and Swagger UI, without a login; the document
 * describes exactly API.md's operations ({@code openapi/api-contract.txt}), their bodies, and
 * their errors as problem+json. (Outside the demo both are off: ProductionProfileIT.)
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "spring.datasource.url=jdbc:h2:mem:relay-demo-${random.uuid};LOCK_TIMEOUT=10000;DB_CLOSE_DELAY=-1",
      "camunda.bpm.generate-unique-process-engine-name=true",
      "camunda.bpm.generate-unique-process-application-name=true"
    })
@ActiveProfiles("demo")
class ApiDocumentIT {

  private static final String PROBLEM = "#/components/schemas/Problem";

  @LocalServerPort int port;

  private final HttpClient http =
      HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).build();
  private final ObjectMapper json = new ObjectMapper();

  @Test
  void documentHasExactlyTheContractsOperations() throws Exception {
    Set<String> documented = new TreeSet<>();
    document().get("paths").properties().forEach(
        path -> path.getValue().fieldNames().forEachRemaining(
            method -> documented.add(method.toUpperCase() + " " + path.getKey())));

    assertThat(documented).isEqualTo(ApiContract.committed());
  }

  @Test
  void intake_documentsItsBodyItsAnswers_andItsErrorsAsProblemJson() throws Exception {
    JsonNode send = document().at("/paths/~1api~1messages/post");

    assertThat(send.at("/requestBody/content/application~1json/schema/$ref").asText())
        .isEqualTo("#/components/schemas/SendMessageRequest");
    assertThat(send.get("responses").fieldNames()).toIterable()
        .containsExactlyInAnyOrder("200", "202", "400", "401", "409", "413");
    for (String success : new String[] {"200", "202"}) {
      assertThat(send.at("/responses/" + success + "/content/application~1json/schema/$ref").asText())
          .isEqualTo("#/components/schemas/MessageView");
    }
    for (String error : new String[] {"400", "401", "409", "413"}) {
      assertThat(send.at("/responses/" + error + "/content").fieldNames()).toIterable()
          .as(error)
          .containsExactly("application/problem+json");
      assertThat(send.at("/responses/" + error + "/content/application~1problem+json/schema/$ref").asText())
          .isEqualTo(PROBLEM);
    }
  }

  @Test
  void problemSchemaHasTheFieldsOfApiMd() throws Exception {
    JsonNode problem = document().at("/components/schemas/Problem/properties");

    assertThat(problem.fieldNames()).toIterable()
        .contains("type", "title", "status", "detail", "errors");
    assertThat(problem.at("/errors/items/properties").fieldNames()).toIterable()
        .containsExactly("field", "message");
  }

  @Test
  void notFound_isDocumentedWhereAnIdIsLookedUp() throws Exception {
    JsonNode paths = document().get("paths");
    Map<String, String> lookups =
        Map.of(
            "/api/messages/{messageId}", "get",
            "/api/rooms/{roomId}", "get",
            "/api/read-syncs/{syncId}", "get",
            "/api/channels/{name}", "get");
    lookups.forEach(
        (path, method) ->
            assertThat(paths.path(path).path(method).at("/responses/404/content/application~1problem+json/schema/$ref").asText())
                .as(path)
                .isEqualTo(PROBLEM));
  }

  @Test
  void swaggerUi_isServed() throws Exception {
    HttpResponse<String> ui = get("/swagger-ui.html");

    assertThat(ui.statusCode()).isEqualTo(200);
    assertThat(ui.uri().getPath()).isEqualTo("/swagger-ui/index.html");
    assertThat(ui.body()).contains("Swagger UI");
    assertThat(get("/webjars/swagger-ui/index.html").statusCode()).isEqualTo(200);
  }

  private JsonNode document() throws Exception {
    HttpResponse<String> answer = get("/v3/api-docs");
    assertThat(answer.statusCode()).isEqualTo(200);
    return json.readTree(answer.body());
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).build(), BodyHandlers.ofString());
  }
}
