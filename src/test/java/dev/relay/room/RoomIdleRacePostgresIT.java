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
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Import;
import org.springframework.http.ResponseEntity;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

/**
 * Intake into an idle room races the room instance's "take next / go idle" decision and its idle
 * timeout, thousands of times, on PostgreSQL with the job executor running. The idle timeout is
 * 50 ms; every room's messages are sent one after the other, each at a random moment up to 300 ms
 * after the previous one was accepted: before its dispatch, while the instance decides to go idle,
 * while it waits idle, while its idle timer fires, and after it has ended. Every message is ACKed
 * at once, half of the rooms from inside the provider's handler (the instance decides in the
 * dispatch job), the other half just after the provider's answer (it decides in the webhook's
 * transaction).
 *
 * <p>Throughout, no room has a waiting message without a live instance, nor two live instances;
 * every intake is accepted; afterwards every message has been delivered, dispatched once, each
 * room's in sequence order.
 */
@ActiveProfiles({"test", "postgres"})
@Import(EmbeddedPostgresConfiguration.class)
@TestPropertySource(properties = "relay.rooms.idle-timeout=PT0.05S")
@DirtiesContext // the only context with this idle timeout and this provider
class RoomIdleRacePostgresIT extends RoomIntegrationTest {

  private static final Logger log = LoggerFactory.getLogger(RoomIdleRacePostgresIT.class);

  static final int ROOMS = Integer.getInteger("relay.idle-race.rooms", 100);
  static final int PER_ROOM = Integer.getInteger("relay.idle-race.messages", 20);
  static final int MAX_GAP_MILLIS = 300;
  /** Clients sending at a time; the job executor and the webhooks need the rest of the pool. */
  static final int CLIENTS = 8;
  /** Its provider ACKs each message just after answering it. */
  static final String ACK_AFTER_CHANNEL = "racechat";

  private static final ListeningProvider ackAfterProvider = new ListeningProvider();

  @DynamicPropertySource
  static void ackAfterChannel(DynamicPropertyRegistry registry) {
    channel(registry, ACK_AFTER_CHANNEL, ackAfterProvider::baseUrl, "PT1H", "PT1H", 3);
  }

  @AfterAll
  static void stopProvider() {
    ackAfterProvider.close();
  }

  private final Set<String> waitingWithoutInstance = ConcurrentHashMap.newKeySet();
  private final Set<String> severalInstances = ConcurrentHashMap.newKeySet();
  private final List<String> refused = new ArrayList<>();

  @Test
  void intakeRacesGoIdleAndIdleTimeout_noMessageWaitsWithoutInstance_allDeliveredInOrder()
      throws Exception {
    String run = newId("idlerace");
    // rooms "-s…": ACKed from inside the provider's handler; rooms "-l…": just after its answer
    provider.acknowledgeBeforeAnswering(run + "-s", callbacks(HOLDING_CHANNEL));
    WebhookClient ackAfter = callbacks(ACK_AFTER_CHANNEL);
    ackAfterProvider.onFirstAttempt(messageId -> {
      if (messageId.startsWith(run)) {
        ackAfter.send(delivered(messageId));
      }
    });
    List<String> rooms =
        IntStream.range(0, ROOMS).mapToObj(r -> run + (r % 2 == 0 ? "-s" : "-l") + r).toList();

    ScheduledExecutorService watch = Executors.newSingleThreadScheduledExecutor();
    watch.scheduleWithFixedDelay(
        () -> {
          waitingWithoutInstance.addAll(RoomChaos.waitingWithoutInstance(jdbc, run + "-"));
          severalInstances.addAll(RoomChaos.roomsWithSeveralInstances(jdbc, run + "-"));
        },
        0, 20, TimeUnit.MILLISECONDS);
    ScheduledExecutorService clients = Executors.newScheduledThreadPool(CLIENTS);
    try {
      List<CompletableFuture<Void>> sent = new ArrayList<>();
      for (String room : rooms) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        sent.add(done);
        clients.schedule(() -> sendFrom(clients, room, 1, done), gap(), TimeUnit.MILLISECONDS);
      }
      CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(90, TimeUnit.SECONDS);

      await("every message delivered")
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(200))
          .untilAsserted(() -> assertThat(notDelivered(run)).isEmpty());
    } finally {
      clients.shutdownNow();
      watch.shutdownNow();
      watch.awaitTermination(10, TimeUnit.SECONDS);
    }

    long messages = (long) ROOMS * PER_ROOM;
    long instances = historicRoomInstances(run, null);
    long endedIdle = historicRoomInstances(run, "EndEvent_RoomIdle");
    long woken = completedActivities(run, "Task_AwaitNextMessage");
    log.info(
        "Idle race {}: rooms={} messages={} roomInstances={} endedIdle={} wokenWhileIdle={}"
            + " refusedIntakes={} waitingWithoutInstance={} roomsWithSeveralInstances={}",
        run, ROOMS, messages, instances, endedIdle, woken, refused.size(),
        waitingWithoutInstance.size(), severalInstances.size());

    assertThat(refused).as("intake answers other than 202").isEmpty();
    assertThat(waitingWithoutInstance)
        .as("messages seen waiting in a room without a live instance")
        .isEmpty();
    assertThat(severalInstances).as("rooms seen with more than one live instance").isEmpty();
    assertThat(notDispatchedOnce(run)).as("messages not taken and dispatched exactly once").isEmpty();
    for (String room : rooms) {
      List<String> expected = IntStream.rangeClosed(1, PER_ROOM).mapToObj(k -> room + "-m" + k).toList();
      List<String> received =
          room.startsWith(run + "-s")
              ? providerCallsOfRoom(room)
              : ackAfterProvider.answered(room + "-");
      assertThat(received).as("what the provider received of %s, in order", room).isEqualTo(expected);
      assertRoomView(room, null, 0, PER_ROOM);
    }
    // both sides of the race were run many times: instances woken while idle, and ended idle
    assertThat(woken).as("idle instances woken by a message").isGreaterThan(messages / 10);
    assertThat(endedIdle).as("instances ended by the idle timeout").isGreaterThan(messages / 10);
    assertThat(instances).isEqualTo(endedIdle + rooms.stream().filter(r -> roomInstance(r) != null).count());
    assertThat(runtime.createIncidentQuery().count()).as("incidents").isZero();
  }

  /** Sends the room's message k, then schedules k + 1 at a random moment. */
  private void sendFrom(
      ScheduledExecutorService clients, String room, int k, CompletableFuture<Void> done) {
    try {
      String messageId = room + "-m" + k;
      String channel =
          room.substring(room.lastIndexOf('-') + 1).startsWith("s") ? HOLDING_CHANNEL : ACK_AFTER_CHANNEL;
      ResponseEntity<JsonNode> answer = api.send(message(messageId, room, channel));
      if (answer.getStatusCode().value() != 202) {
        synchronized (refused) {
          refused.add(messageId + " " + answer.getStatusCode() + " " + answer.getBody());
        }
        done.complete(null);
        return;
      }
      if (k == PER_ROOM) {
        done.complete(null);
      } else {
        clients.schedule(() -> sendFrom(clients, room, k + 1, done), gap(), TimeUnit.MILLISECONDS);
      }
    } catch (RuntimeException | Error e) {
      done.completeExceptionally(e);
    }
  }

  private static long gap() {
    return ThreadLocalRandom.current().nextLong(MAX_GAP_MILLIS + 1);
  }

  /** The run's messages that are not delivered, with their place in the room's queue. */
  private List<String> notDelivered(String run) {
    return jdbc.queryForList(
        "select message_id || ' ' || status || ' ' || turn_state from relay_message"
            + " where message_id like ? and status <> 'DELIVERED' order by message_id",
        String.class,
        run + "-%");
  }

  /** The run's messages whose turn was granted or who were dispatched other than once. */
  private List<String> notDispatchedOnce(String run) {
    return jdbc.queryForList(
        "select m.message_id from relay_message m where m.message_id like ? and (m.attempts <> 1"
            + " or (select count(*) from relay_message_event e where e.message_id = m.message_id"
            + " and e.event in ('TURN_GRANTED', 'DISPATCHED')) <> 2"
            + " or exists (select 1 from relay_message_event e where e.message_id = m.message_id"
            + " and e.event in ('REQUEUED', 'ACK_GATE_TIMEOUT', 'DISPATCH_FAILED')))",
        String.class,
        run + "-%");
  }

  /** Room instances of the run ever started; with an end activity: those that ended there. */
  private long historicRoomInstances(String run, String endActivityId) {
    return history.createHistoricProcessInstanceQuery()
        .processDefinitionKey(RoomDeliveryProcess.KEY)
        .processInstanceBusinessKeyLike(run + "-%")
        .list()
        .stream()
        .filter(instance -> endActivityId == null || endActivityId.equals(instance.getEndActivityId()))
        .count();
  }

  /** Completed (not cancelled) activity instances of the run's room instances at the activity. */
  private long completedActivities(String run, String activityId) {
    return jdbc.queryForObject(
        "select count(*) from act_hi_actinst a join act_hi_procinst p on p.proc_inst_id_ = a.proc_inst_id_"
            + " where p.business_key_ like ? and a.act_id_ = ? and a.end_time_ is not null"
            + " and a.act_inst_state_ <> 2", // 2: cancelled
        Long.class,
        run + "-%",
        activityId);
  }
}
