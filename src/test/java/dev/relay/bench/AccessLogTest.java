package dev.relay.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the benchmark reads from the nodes' access logs: the load's requests, by kind. */
class AccessLogTest {

  @TempDir Path dir;

  @Test
  void countsTheLoadsAcceptedIntakesAndEveryWebhook_ofEveryNode() throws IOException {
    Path node1 = Files.createDirectories(dir.resolve("relay-1-access"));
    Path node2 = Files.createDirectories(dir.resolve("relay-2-access"));
    Files.write(node1.resolve("access.log"), List.of(
        "999 50000 202 /api/messages", // the warm-up, before the load
        "1000 3000 202 /api/messages",
        "1001 4000 400 /api/messages", // refused: not an intake that was timed by the harness
        "1002 8000 200 /webhooks/bench",
        "1003 100000 200 /actuator/health"));
    Files.write(node2.resolve("access.log"), List.of(
        "1004 5000 202 /api/messages",
        "1005 9000 401 /webhooks/bench",
        "1006 70",  // the last line of a node that had to be killed
        "2000 400 200 /webhooks/bench")); // after the load: --request-cost's

    AccessLog.Times times = AccessLog.read(List.of(node1, node2), 1000, 2000);

    assertThat(times.intake().getTotalCount()).isEqualTo(2);
    assertThat(times.intake().getMaxValue()).isBetween(4990L, 5010L);
    assertThat(times.intake().getMinValue()).isBetween(2990L, 3010L);
    assertThat(times.webhook().getTotalCount()).isEqualTo(2);
  }
}
