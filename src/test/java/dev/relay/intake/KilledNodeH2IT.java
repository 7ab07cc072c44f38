package dev.relay.intake;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relay.support.ChildJvm;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node killed with SIGKILL loses nothing it answered 202 for, on the embedded default: the
 * packaged jar started with no settings, so H2 in a file under the working directory, opened with
 * the default URL. The node is killed right after
 * its last answer, the time in which H2 by default had not yet written the latest commits, and
 * started again on the same file.
 */
class KilledNodeH2IT {

  private static final int MESSAGES = 40;

  @TempDir Path dir;

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void everyMessageAnswered202_isStillThereAfterKill9AndRestart() throws Exception {
    List<String> accepted = new ArrayList<>();
    try (ChildJvm node = start("relay-killed")) {
      for (int i = 0; i < MESSAGES; i++) {
        String id = "killed-" + i;
        assertThat(http.send(intake(node, id), HttpResponse.BodyHandlers.ofString()).statusCode())
            .as("intake of %s", id)
            .isEqualTo(202);
        accepted.add(id);
      }
      node.kill();
    }

    try (ChildJvm node = start("relay-restarted")) {
      for (String id : accepted) {
        HttpRequest view = HttpRequest.newBuilder(node.uri("/api/messages/" + id)).build();
        assertThat(http.send(view, HttpResponse.BodyHandlers.ofString()).statusCode())
            .as("%s after the restart", id)
            .isEqualTo(200);
      }
    }
  }

  private ChildJvm start(String name) throws IOException {
    ChildJvm node = ChildJvm.startJar(name, ChildJvm.freePort(), "512m", List.of(), dir);
    node.awaitHealthy(http, Duration.ofMinutes(2));
    return node;
  }

  private static HttpRequest intake(ChildJvm node, String messageId) {
    String body =
        """
        {"messageId": "%s", "roomId": "room-%s", "channel": "whatsapp", "to": "+15550100",
         "body": "accepted before the kill"}"""
            .formatted(messageId, messageId);
    return HttpRequest.newBuilder(node.uri("/api/messages"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
  }
}
