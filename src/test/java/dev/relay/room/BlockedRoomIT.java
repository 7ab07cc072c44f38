package dev.relay.room;

import static dev.relay.support.WebhookClient.delivered;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.relay.support.EmbeddedPostgresConfiguration;
import dev.relay.support.WebhookClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpStatus;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Rooms never wait for each other (issue 3): one room's provider never ACKs, so that room waits
 * the whole ACK gate timeout for each of its messages, while 50 healthy rooms next to it are
 * ACKed at once. The test plays the provider's callbacks itself and measures, for each healthy
 * message N+1, the time from sending the ACK of N to the provider receiving N+1. The gate timeout
 * is far above the bound, so a healthy room that waited for the blocked one would show. The
 * blocked room holds its turn (or hands it to its next message, which is not ACKed either) for as
 * long as the healthy rooms run.
 */
@ActiveProfiles({"test", "postgres"})
@Import(EmbeddedPostgresConfiguration.class)
@DirtiesContext // its provider stops with the class
class BlockedRoomIT extends RoomIntegrationTest {

  private static final Logger log = LoggerFactory.getLogger(BlockedRoomIT.class);

  static final String CHANNEL = "gated";
  static final Duration GATE = Duration.ofSeconds(5);
  /** Far from timing noise, far below the gate timeout. */
  static final Duration BOUND = Duration.ofMillis(1500);
  static final int HEALTHY_ROOMS = 50;
  static final int PER_ROOM = 6;
  /**
   * Healthy rooms under way at a time. All 50 at once would saturate a small machine's CPU, and
   * the latency measured would be the queue of the healthy rooms' own work, not a wait for the
   * blocked room.
   */
  static final int ROOMS_IN_FLIGHT = 5;

  private static final ListeningProvider channelProvider = new ListeningProvider();

  @DynamicPropertySource
  static void gatedChannel(DynamicPropertyRegistry registry) {
    // only first attempts in this test
    channel(registry, CHANNEL, channelProvider::baseUrl, GATE.toString(), "PT1H", 3);
  }

  @AfterAll
  static void stopProvider() {
    channelProvider.close();
  }

  @Test
  void healthyRoomsGoOnAtTheirAck_whileTheRoomNextToThemWaitsForAnAckThatNeverComes()
      throws Exception {
    String run = newId("blocking");
    String blocked = run + "-blocked";
    WebhookClient callbacks = callbacks(CHANNEL);
    Map<String, Long> ackSentAt = new ConcurrentHashMap<>();
    channelProvider.onFirstAttempt(messageId -> {
      if (messageId.startsWith(run + "-healthy")) {
        ackSentAt.put(messageId, System.nanoTime());
        callbacks.send(delivered(messageId));
      }
    });

    sendInOrder(blocked, 10);
    await().atMost(Duration.ofSeconds(30)).until(() -> channelProvider.firstAnsweredAt(blocked + "-m1") != null);

    ExecutorService inFlight = Executors.newFixedThreadPool(ROOMS_IN_FLIGHT);
    List<Future<?>> healthyRooms = new ArrayList<>();
    for (int r = 0; r < HEALTHY_ROOMS; r++) {
      String room = run + "-healthy" + r;
      healthyRooms.add(inFlight.submit(() -> {
        sendInOrder(room, PER_ROOM);
        await("all of " + room + " delivered")
            .atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofMillis(50))
            .until(() -> api.room(room).getBody().get("delivered").asLong() == PER_ROOM);
      }));
    }
    for (Future<?> room : healthyRooms) {
      room.get();
    }
    inFlight.shutdown();

    // the blocked room still waits for its turn holder's ACK while the others are done
    JsonNode blockedView = api.room(blocked).getBody();
    assertThat(blockedView.get("turnHolder").isNull()).isFalse();
    assertThat(blockedView.get("waiting").asLong()).isPositive();
    assertThat(blockedView.get("delivered").asLong()).isZero();

    List<Long> latencies = new ArrayList<>();
    for (int r = 0; r < HEALTHY_ROOMS; r++) {
      for (int k = 2; k <= PER_ROOM; k++) {
        String previous = run + "-healthy" + r + "-m" + (k - 1);
        String next = run + "-healthy" + r + "-m" + k;
        latencies.add(channelProvider.firstAnsweredAt(next) - ackSentAt.get(previous));
      }
    }
    List<Duration> sorted = latencies.stream().sorted().map(Duration::ofNanos).toList();
    Duration p50 = sorted.get(sorted.size() / 2);
    Duration max = sorted.get(sorted.size() - 1);
    log.info(
        "Blocked room next to {} healthy rooms: ACK of N -> provider got N+1, {} samples:"
            + " min {} ms, p50 {} ms, p95 {} ms, max {} ms (gate timeout {} ms, bound {} ms)",
        HEALTHY_ROOMS, sorted.size(), sorted.get(0).toMillis(), p50.toMillis(),
        sorted.get(sorted.size() * 95 / 100).toMillis(), max.toMillis(), GATE.toMillis(),
        BOUND.toMillis());
    // N+1 never went before the ACK of N, and never waited for the blocked room
    assertThat(sorted.get(0)).isPositive();
    assertThat(max).isLessThan(BOUND);
  }

  /** One request after the other, so each message's sequence is its number. */
  private void sendInOrder(String room, int messages) {
    for (int k = 1; k <= messages; k++) {
      String messageId = room + "-m" + k;
      var answer = api.send(message(messageId, room, CHANNEL));
      assertThat(answer.getStatusCode()).isEqualTo(HttpStatus.ACCEPTED);
      assertThat(answer.getBody().get("sequence").asLong()).isEqualTo(k);
    }
  }
}
