package dev.relay.room;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.stream.StreamSupport;
import org.springframework.web.client.RestClient;

/** The bundled provider simulator's test endpoints ({@code /simulator/...}) on one node. */
final class SimulatorClient {

  /** One provider request the simulator accepted, as {@code GET /simulator/inbox/{to}} lists it. */
  record Received(String reference, String idempotencyKey, int attempt) {}

  private final RestClient http;

  SimulatorClient(String baseUrl) {
    this.http = RestClient.builder().baseUrl(baseUrl).build();
  }

  /** What the recipient's "phone" received, in arrival order. */
  List<Received> inbox(String to) {
    JsonNode entries = http.get().uri("/simulator/inbox/{to}", to).retrieve().body(JsonNode.class);
    return StreamSupport.stream(entries.spliterator(), false)
        .map(e -> new Received(
            e.get("reference").asText(), e.get("idempotencyKey").asText(), e.get("attempt").asInt()))
        .toList();
  }

  /** Accepted provider requests whose callbacks were all dropped: ACKs that never came. */
  long droppedAcks() {
    return http.get().uri("/simulator/stats").retrieve().body(JsonNode.class).get("dropped").asLong();
  }
}
