package dev.relay.room;

import static dev.relay.support.WebhookClient.delivered;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.relay.support.EmbeddedPostgresConfiguration;
import dev.relay.support.WebhookClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.camunda.bpm.engine.history.HistoricProcessInstance;
import org.camunda.bpm.engine.history.HistoricProcessInstanceQuery;
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
 * {@value #IDLE_MILLIS} ms. The provider ACKs every message at once: in half of the rooms from
 * inside its handler, before it answers (the instance goes idle in the dispatch job's
 * transaction), in the other half just after its answer (it goes idle in the webhook's). A room's
 * next message is sent at a random moment, up to {@value #SHORT_GAP_MILLIS} ms or up to {@value
 * #LONG_GAP_MILLIS} ms, after the provider answered the previous one: while the instance decides
 * to go idle, while it waits idle, while its idle timer fires, or after it has ended.
 *
 * <p>Throughout, no room has a waiting message without a live instance, nor two live instances;
 * every intake is accepted; afterwards every message has been delivered, taken and dispatched
 * once, each room's in sequence order, and every room instance that is not live ended idle.
 *
 * <p>1,000 messages in 40 rooms by default (about 90 CPU-seconds of a 2-core machine, application
 * and database together); {@code -Drelay.idle-race.rooms=… -Drelay.idle-race.messages=…} (per
 * room) run more.
 */
@ActiveProfiles({"test", "postgres"})
@Import(EmbeddedPostgresConfiguration.class)
// A store thread per room: on this saturated machine the default 4 queue the intakes ~0.6 s, past
// the idle timeout, and the race to wake an idle instance is then rarely run.
@TestPropertySource(properties = {"relay.rooms.idle-timeout=PT0.1S", "relay.intake.threads=40"})
@DirtiesContext // the only context with this idle timeout and this provider
class RoomIdleRacePostgresIT extends RoomIntegrationTest {

  private static final Logger log = LoggerFactory.getLogger(RoomIdleRacePostgresIT.class);

  static final int ROOMS = Integer.getInteger("relay.idle-race.rooms", 40);
  static final int PER_ROOM = Integer.getInteger("relay.idle-race.messages", 25);
  static final int IDLE_MILLIS = 100;
  // Half the gaps short, half long. The idle timers run on the job threads behind the rooms'
  // dispatches, so how late they fire depends on the machine: with 8 job threads on a saturated
  // machine hundreds of ms, and gaps of at most 300 ms then ran the timeout side of the race for 45
  // messages of 1,000; in a faster hour gaps of up to 1 s left the other side 91. Short gaps
  // (the idle timeout and half) mostly find the instance waiting idle, long ones mostly after its
  // timeout, however late.
  static final int SHORT_GAP_MILLIS = 150;
  static final int LONG_GAP_MILLIS = 1500;
  static final String CHANNEL = "racechat";

  private static final ListeningProvider channelProvider = new ListeningProvider();

  @DynamicPropertySource
  static void raceChannel(DynamicPropertyRegistry registry) {
    // every message is ACKed at once: no gate timeout, no resend
    channel(registry, CHANNEL, channelProvider::baseUrl, "PT1H", "PT1H", 3);
  }

  @AfterAll
  static void stopProvider() {
    channelProvider.close();
  }

  private final Set<String> waitingWithoutInstance = ConcurrentHashMap.newKeySet();
  private final Set<String> severalInstances = ConcurrentHashMap.newKeySet();
  private final List<String> refused = new CopyOnWriteArrayList<>();
  private final AtomicInteger accepted = new AtomicInteger();
  /** Room → completed once its last message is accepted and answered by the provider. */
  private final Map<String, CompletableFuture<Void>> roomsDone = new ConcurrentHashMap<>();
  private ScheduledExecutorService clients;

  @Test
  void intakeRacesGoIdleAndIdleTimeout_noMessageWaitsWithoutInstance_allDeliveredInOrder()
      throws Exception {
    String run = newId("idlerace");
    // rooms "-e…": early ACK, before the provider's answer; rooms "-l…": just after it
    List<String> rooms =
        IntStream.range(0, ROOMS).mapToObj(r -> run + (r % 2 == 0 ? "-e" : "-l") + r).toList();
    WebhookClient callbacks = callbacks(CHANNEL);
    channelProvider.beforeAnswer(messageId -> {
      if (messageId.startsWith(run + "-e")) {
        callbacks.send(delivered(messageId));
      }
    });
    channelProvider.onFirstAttempt(messageId -> {
      if (messageId.startsWith(run + "-l")) {
        callbacks.send(delivered(messageId));
      }
      if (messageId.startsWith(run)) {
        sendNextAfterRandomGap(messageId);
      }
    });

    AtomicInteger checks = new AtomicInteger();
    ScheduledExecutorService watch = Executors.newSingleThreadScheduledExecutor();
    watch.scheduleWithFixedDelay(
        () -> {
          try {
            waitingWithoutInstance.addAll(RoomChaos.waitingWithoutInstance(jdbc, run + "-"));
            severalInstances.addAll(RoomChaos.roomsWithSeveralInstances(jdbc, run + "-"));
            checks.incrementAndGet();
          } catch (RuntimeException e) {
            refused.add("check failed: " + e); // a watch that stopped would see nothing
          }
        },
        0, 50, TimeUnit.MILLISECONDS);
    clients = Executors.newScheduledThreadPool(ROOMS); // a room has one request under way at most
    try {
      for (String room : rooms) {
        roomsDone.put(room, new CompletableFuture<>());
        clients.execute(() -> send(room, 1));
      }
      try {
        CompletableFuture.allOf(roomsDone.values().toArray(CompletableFuture[]::new))
            .get(150, TimeUnit.SECONDS); // a safety net: about 90 CPU-seconds of work in all
      } catch (TimeoutException e) {
        throw new AssertionError(
            "only " + accepted.get() + " of " + ROOMS * PER_ROOM + " messages accepted in time", e);
      }

      await("every message delivered")
          .atMost(Duration.ofSeconds(30))
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
            + " refused={} checks={} waitingWithoutInstance={} roomsWithSeveralInstances={}",
        run, ROOMS, messages, instances, endedIdle, woken, refused.size(), checks.get(),
        waitingWithoutInstance.size(), severalInstances.size());

    assertThat(refused).as("intake answers other than 202, failed checks").isEmpty();
    assertThat(checks.get()).as("checks of the rooms while the messages went").isPositive();
    assertThat(waitingWithoutInstance)
        .as("messages seen waiting in a room without a live instance")
        .isEmpty();
    assertThat(severalInstances).as("rooms seen with more than one live instance").isEmpty();
    assertThat(notTakenAndDispatchedOnce(run))
        .as("messages not taken and dispatched exactly once")
        .isEmpty();
    for (String room : rooms) {
      assertThat(channelProvider.answered(room + "-"))
          .as("what the provider received of %s, in order", room)
          .isEqualTo(IntStream.rangeClosed(1, PER_ROOM).mapToObj(k -> room + "-m" + k).toList());
      assertRoomView(room, null, 0, PER_ROOM);
    }
    // from one list: idle timers still end instances while the test counts
    assertThat(endedOtherwise(run)).as("room instances that ended other than idle").isEmpty();
    // both sides of the race were run many times: instances woken while idle, and ended idle
    assertThat(woken).as("idle instances woken by a message").isGreaterThan(messages / 10);
    assertThat(endedIdle).as("instances ended by the idle timeout").isGreaterThan(messages / 10);
    assertThat(runtime.createIncidentQuery().count()).as("incidents").isZero();
  }

  /** The provider has answered a message: its room's next one goes at a random moment. */
  private void sendNextAfterRandomGap(String messageId) {
    int at = messageId.lastIndexOf("-m");
    String room = messageId.substring(0, at);
    int k = Integer.parseInt(messageId.substring(at + 2));
    if (k == PER_ROOM) {
      roomsDone.get(room).complete(null);
      return;
    }
    ThreadLocalRandom random = ThreadLocalRandom.current();
    long gap =
        random.nextBoolean()
            ? random.nextLong(SHORT_GAP_MILLIS + 1)
            : random.nextLong(SHORT_GAP_MILLIS, LONG_GAP_MILLIS + 1);
    clients.schedule(() -> send(room, k + 1), gap, TimeUnit.MILLISECONDS);
  }

  private void send(String room, int k) {
    String messageId = room + "-m" + k;
    try {
      ResponseEntity<JsonNode> answer = api.send(message(messageId, room, CHANNEL));
      if (answer.getStatusCode().value() == 202) {
        accepted.incrementAndGet();
      } else {
        refused.add(messageId + " " + answer.getStatusCode() + " " + answer.getBody());
        roomsDone.get(room).complete(null); // the room stops here
      }
    } catch (RuntimeException e) {
      roomsDone.get(room).completeExceptionally(e);
    }
  }

  /** The run's messages that are not delivered, with their place in the room's queue. */
  private List<String> notDelivered(String run) {
    return jdbc.queryForList(
        "select message_id || ' ' || status || ' ' || turn_state from relay_message"
            + " where message_id like ? and status <> 'DELIVERED' order by message_id",
        String.class,
        run + "-%");
  }

  /** The run's messages whose turn was granted, or that were dispatched, other than once. */
  private List<String> notTakenAndDispatchedOnce(String run) {
    return jdbc.queryForList(
        // taken once (taken_at) and dispatched once (the first attempt is on the row): a timeline
        // row would be a step off the happy path (a requeue, a gate timeout, a failed call)
        "select m.message_id from relay_message m where m.message_id like ? and (m.attempts <> 1"
            + " or m.taken_at is null or m.dispatched_at is null"
            + " or exists (select 1 from relay_message_event e where e.message_id = m.message_id))",
        String.class,
        run + "-%");
  }

  /** Room instances of the run ever started; with an end activity: those that ended there. */
  private long historicRoomInstances(String run, String endActivityId) {
    return roomInstancesOf(run, false).stream()
        .filter(instance -> endActivityId == null || endActivityId.equals(instance.getEndActivityId()))
        .count();
  }

  /** Room instances of the run that have ended, but not at the idle timeout. */
  private List<String> endedOtherwise(String run) {
    return roomInstancesOf(run, true).stream()
        .filter(instance -> !"EndEvent_RoomIdle".equals(instance.getEndActivityId()))
        .map(instance -> instance.getBusinessKey() + " ended at " + instance.getEndActivityId())
        .toList();
  }

  private List<HistoricProcessInstance> roomInstancesOf(String run, boolean finishedOnly) {
    HistoricProcessInstanceQuery query =
        history.createHistoricProcessInstanceQuery()
            .processDefinitionKey(RoomDeliveryProcess.KEY)
            .processInstanceBusinessKeyLike(run + "-%");
    return (finishedOnly ? query.finished() : query).list();
  }

  /** Activity instances of the run's room instances at the activity, left normally (not cancelled). */
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
