package dev.relay.room;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.springframework.web.client.RestClient;

/** The bundled provider simulator's test endpoints ({@code /simulator/...}) on one node. */
final class SimulatorClient {

  /** One provider request the simulator accepted, as {@code GET /simulator/inbox/{to}} lists it. */
  record Received(String reference, String idempotencyKey, int attempt, Instant receivedAt) {}

  private final RestClient http;

  SimulatorClient(String baseUrl) {
    this.http = RestClient.builder().baseUrl(baseUrl).build();
  }

  /** What the recipient's "phone" received, in arrival order. */
  List<Received> inbox(String to) {
    JsonNode entries = http.get().uri("/simulator/inbox/{to}", to).retrieve().body(JsonNode.class);
    return StreamSupport.stream(entries.spliterator(), false)
        .map(e -> new Received(
            e.get("reference").asText(), e.get("idempotencyKey").asText(), e.get("attempt").asInt(),
            Instant.parse(e.get("receivedAt").asText())))
        .toList();
  }

  /** Accepted provider requests whose callbacks were all dropped: ACKs that never came. */
  long droppedAcks() {
    return stats().get("dropped").asLong();
  }

  /** Provider requests answered 503 (see {@link #behaviour}). */
  long rejected5xx() {
    return stats().get("rejected5xx").asLong();
  }

  /** Changes the simulator's live behaviour, e.g. {@code {"serverErrorRate": 1}}: the provider down. */
  void behaviour(Map<String, Object> changes) {
    http.put().uri("/simulator/behaviour").body(changes).retrieve().toBodilessEntity();
  }

  private JsonNode stats() {
    return http.get().uri("/simulator/stats").retrieve().body(JsonNode.class);
  }
}
