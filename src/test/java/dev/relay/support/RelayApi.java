package dev.relay.support;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.client.RestClient;

/** Relay's REST API (API.md §1, §2) as a client sees it; answers are returned, never thrown. */
public final class RelayApi {

  public static final String TO = "+15550100";

  private final RestClient http;

  public RelayApi(String baseUrl) {
    this.http =
        RestClient.builder()
            .baseUrl(baseUrl)
            .defaultStatusHandler(status -> true, (request, response) -> {})
            .build();
  }

  /** An intake request; mutable, so a test can change a field. */
  public static Map<String, Object> newMessage(
      String messageId, String roomId, String body, String fallbackEmail) {
    Map<String, Object> request = new LinkedHashMap<>();
    request.put("messageId", messageId);
    request.put("roomId", roomId);
    request.put("channel", RelayIntegrationTest.CHANNEL);
    request.put("to", TO);
    request.put("body", body);
    if (fallbackEmail != null) {
      request.put("fallbackEmail", fallbackEmail);
    }
    return request;
  }

  public ResponseEntity<JsonNode> send(Map<String, Object> request) {
    return http.post()
        .uri("/api/messages")
        .contentType(MediaType.APPLICATION_JSON)
        .body(request)
        .retrieve()
        .toEntity(JsonNode.class);
  }

  /** A channel's view (API.md §7). */
  public JsonNode channel(String name) {
    return http.get().uri("/api/channels/{name}", name).retrieve().body(JsonNode.class);
  }

  /** Changes a channel's settings (API.md §7), e.g. {@code {"rateLimit": 5}}. */
  public ResponseEntity<JsonNode> patchChannel(String name, String json) {
    return http.patch()
        .uri("/api/channels/{name}", name)
        .contentType(MediaType.APPLICATION_JSON)
        .body(json)
        .retrieve()
        .toEntity(JsonNode.class);
  }

  /** What Prometheus scrapes, as text, logged in as application-test.yml's administrator. */
  public String prometheus() {
    return http.get()
        .uri("/actuator/prometheus")
        .headers(headers -> headers.setBasicAuth("operator", "operator-password"))
        .retrieve()
        .body(String.class);
  }

  public ResponseEntity<JsonNode> get(String messageId) {
    return http.get().uri("/api/messages/{id}", messageId).retrieve().toEntity(JsonNode.class);
  }

  public ResponseEntity<JsonNode> room(String roomId) {
    return http.get().uri("/api/rooms/{id}", roomId).retrieve().toEntity(JsonNode.class);
  }

  /** The message view; fails unless it is there. */
  public JsonNode message(String messageId) {
    ResponseEntity<JsonNode> answer = get(messageId);
    if (!answer.getStatusCode().is2xxSuccessful()) {
      throw new AssertionError("GET /api/messages/" + messageId + " answered " + answer.getStatusCode());
    }
    return answer.getBody();
  }

  public String status(String messageId) {
    return message(messageId).get("status").asText();
  }

  /** The timeline's event names, in order. */
  public List<String> events(String messageId) {
    return events(message(messageId));
  }

  public static List<String> events(JsonNode view) {
    return timeline(view).stream().map(step -> step.get("event").asText()).toList();
  }

  public static List<JsonNode> timeline(JsonNode view) {
    return StreamSupport.stream(view.get("timeline").spliterator(), false).toList();
  }
}
