package dev.relay.room;

import static dev.relay.support.WebhookClient.delivered;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

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
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpStatus;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Rooms never wait for each other: one room's provider never ACKs, so that room's instance waits
 * for the ACK of its first message (the gate is an hour), while 50 healthy rooms next to it, on the
 * same channel, are ACKed at once. The test plays the provider's callbacks itself. Every healthy
 * room gets all its messages delivered, each after the previous one's ACK, while the blocked room
 * still waits for its first ACK with its other messages queued: no healthy room waited for it.
 */
@ActiveProfiles({"test", "postgres"})
@Import(EmbeddedPostgresConfiguration.class)
@DirtiesContext // its provider stops with the class
class BlockedRoomIT extends RoomIntegrationTest {

  static final String CHANNEL = "gated";
  static final int HEALTHY_ROOMS = 50;
  static final int PER_ROOM = 6;
  static final int BLOCKED_ROOM_MESSAGES = 10;
  /** Healthy rooms under way at a time: a small machine's CPU is shared by all of them. */
  static final int ROOMS_IN_FLIGHT = 5;

  private static final ListeningProvider channelProvider = new ListeningProvider();

  @DynamicPropertySource
  static void gatedChannel(DynamicPropertyRegistry registry) {
    // no message of this channel leaves its room before the test ends, and none resends
    channel(registry, CHANNEL, channelProvider::baseUrl, "PT1H", "PT1H", 3);
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

    sendInOrder(blocked, BLOCKED_ROOM_MESSAGES);
    eventually().until(() -> activeActivities(roomInstance(blocked)), equalTo(List.of("Task_AwaitDeliveryReport")));
    String blockedInstance = roomInstance(blocked).getId();

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

    // the blocked room still waits for its first message's ACK, the others queued behind it
    assertThat(roomInstance(blocked).getId()).isEqualTo(blockedInstance);
    assertThat(activeActivities(roomInstance(blocked))).containsExactly("Task_AwaitDeliveryReport");
    assertThat(currentMessage(blocked)).isEqualTo(blocked + "-m1");
    assertRoomView(blocked, blocked + "-m1", BLOCKED_ROOM_MESSAGES - 1, 0);
    assertThat(channelProvider.firstAnsweredAt(blocked + "-m2")).isNull();

    for (int r = 0; r < HEALTHY_ROOMS; r++) {
      String room = run + "-healthy" + r;
      assertRoomView(room, null, 0, PER_ROOM);
      assertThat(instanceCount(RoomDeliveryProcess.KEY, room)).as("instances of %s", room).isEqualTo(1);
      for (int k = 2; k <= PER_ROOM; k++) {
        String previous = room + "-m" + (k - 1);
        String next = room + "-m" + k;
        // N+1 reached the provider only after the ACK of N had been sent
        assertThat(channelProvider.firstAnsweredAt(next))
            .as("%s after the ACK of %s", next, previous)
            .isGreaterThan(ackSentAt.get(previous));
      }
    }
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
