package dev.relay.intake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relay.RelayApplication;
import dev.relay.delivery.NewMessage;
import dev.relay.intake.IntakeService.Intake;
import dev.relay.support.DeliveryIntegrationTest;
import dev.relay.support.RelayApi;
import dev.relay.support.RestartablePostgres;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.kafka.listener.ConcurrentMessageListenerContainer;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Intake from Kafka (API.md §1b) against a real broker (spring-kafka-test's embedded KRaft broker,
 * the topic on 3 partitions) and a real PostgreSQL that a test stops and starts again. The
 * provider stub acknowledges each message before it answers its dispatch, so a room's next
 * message goes at once and the provider's order of first attempts is the rooms' order.
 */
@ActiveProfiles({"test", RestartablePostgres.OnIt.PROFILE})
@Import(RestartablePostgres.OnIt.class)
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS) // its consumers need the broker
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KafkaIntakeIT extends DeliveryIntegrationTest {

  private static final String TOPIC = "relay.messages";
  private static final String DLT = TOPIC + ".DLT";
  private static final int PARTITIONS = 3;
  private static final ObjectMapper JSON = new ObjectMapper();

  private static final EmbeddedKafkaKraftBroker broker = startBroker();
  private static final KafkaProducer<String, String> producer = producer();

  /** The broker's own INFO lines are thousands: only its warnings. */
  private static final List<String> QUIET_BROKER = List.of(
      "logging.level.kafka=warn", "logging.level.org.apache.kafka=warn",
      "logging.level.state.change.logger=warn");

  @DynamicPropertySource
  static void consumeTheBroker(DynamicPropertyRegistry registry) {
    registry.add("relay.intake.kafka.bootstrap-servers", broker::getBrokersAsString);
    registry.add("relay.intake.kafka.max-retry-interval", () -> "500ms");
    QUIET_BROKER.forEach(setting -> {
      String[] nameAndValue = setting.split("=");
      registry.add(nameAndValue[0], () -> nameAndValue[1]);
    });
  }

  @Autowired RestartablePostgres postgres;
  @Autowired IntakeService intake;
  @Autowired MeterRegistry metrics;
  @Autowired ConcurrentMessageListenerContainer<byte[], byte[]> container;

  @Test
  @Order(1)
  void fiftyRoomsInterleavedOnThreePartitions_everyMessageDelivered_inRecordOrderPerRoom() {
    String run = newId("kafka");
    provider.acknowledgeBeforeAnswering(run, webhook);
    List<String> rooms = IntStream.range(0, 50).mapToObj(r -> run + "-r" + r).toList();
    int perRoom = 3;
    List<ProducerRecord<String, String>> records = new ArrayList<>();
    for (int k = 1; k <= perRoom; k++) {
      records.addAll(round(rooms, k));
    }

    assertThat(produce(records)).as("partitions the rooms' records went to").hasSize(PARTITIONS);

    patiently().until(() -> delivered(run), equalTo((long) rooms.size() * perRoom));
    for (String room : rooms) {
      List<String> sent = IntStream.rangeClosed(1, perRoom).mapToObj(k -> room + "-m" + k).toList();
      assertThat(firstAttempts(room + "-m")).as("provider's first attempts of %s", room).isEqualTo(sent);
      assertThat(bySequence(room)).as("sequences of %s", room).isEqualTo(sent);
    }
    eventually().until(() -> metrics.get("relay.intake.kafka.lag").gauge().value(), equalTo(0.0));
  }

  @Test
  @Order(2)
  void aRepeatedRecord_isOneMessage_itsRepeatsSkipped() {
    String room = newId("repeat");
    provider.acknowledgeBeforeAnswering(room, webhook);
    String posted = room + "-posted";
    String twice = room + "-twice";
    String last = room + "-last";
    assertThat(api.send(message(posted, room)).getStatusCode()).isEqualTo(HttpStatus.ACCEPTED);
    double repeatsBefore = count("repeats");

    produce(List.of(
        record(room, message(twice, room)),
        record(room, message(twice, room)), // the same again: a producer's retry
        record(room, message(posted, room)), // what was posted over REST before
        record(room, message(last, room))));

    patiently().until(() -> delivered(room), equalTo(3L));
    assertThat(bySequence(room)).containsExactly(posted, twice, last);
    assertThat(provider.calls(twice)).hasSize(1);
    assertThat(provider.calls(posted)).hasSize(1);
    assertThat(count("repeats") - repeatsBefore).isEqualTo(2);
  }

  /** The batch form on its own: what a poll that holds a repeat and a conflict becomes. */
  @Test
  @Order(3)
  void aBatch_storesItsNewMessagesInOrder_answersRepeatsAndConflictsWithinIt() {
    String room = newId("batch");
    provider.acknowledgeBeforeAnswering(room, webhook);
    NewMessage first = newMessage(room + "-1", room, "one");
    NewMessage second = newMessage(room + "-2", room, "two");
    NewMessage otherRoom = newMessage(room + "-3", room + "-b", "three");

    List<Intake> answers =
        intake.acceptAll(List.of(
            first, otherRoom, second, first, newMessage(first.messageId(), room, "not one")));

    assertThat(answers).extracting(Intake::kind).containsExactly(
        Intake.Kind.ACCEPTED, Intake.Kind.ACCEPTED, Intake.Kind.ACCEPTED, Intake.Kind.REPEATED,
        Intake.Kind.CONFLICT);
    assertThat(answers).extracting(a -> a.message().sequence()).containsExactly(1L, 1L, 2L, 1L, 1L);
    assertThat(answers.get(4).message().body()).isEqualTo("one");
    patiently().until(() -> delivered(room), equalTo(3L));
    assertThat(firstAttempts(room + "-")).containsSubsequence(first.messageId(), second.messageId());
    assertThat(bySequence(room)).containsExactly(first.messageId(), second.messageId());
  }

  @Test
  @Order(4)
  void refusedRecords_goToTheDeadLetterTopicUnchanged_withRestsProblem_andThePartitionMovesOn()
      throws Exception {
    String room = newId("refused");
    provider.acknowledgeBeforeAnswering(room, webhook);
    String stored = room + "-stored";
    String after = room + "-after";
    Map<String, Object> noBody = message(room + "-nobody", room);
    noBody.remove("body");
    Map<String, Object> unknownChannel = message(room + "-channel", room);
    unknownChannel.put("channel", "telegram");
    Map<String, Object> otherRoom = message(room + "-keyed", room + "-elsewhere");
    Map<String, Object> otherContent = message(stored, room);
    otherContent.put("body", "other content");
    List<String> refused = List.of(
        "{\"messageId\": \"" + room + "-broken\", \"roomId\": ",
        json(noBody),
        json(unknownChannel),
        json(otherRoom),
        json(otherContent));
    double deadLettersBefore = count("dead.letters");

    List<ProducerRecord<String, String>> records = new ArrayList<>();
    records.add(record(room, message(stored, room)));
    refused.forEach(value -> records.add(new ProducerRecord<>(TOPIC, room, value)));
    records.add(record(room, message(after, room)));
    produce(records);

    patiently().until(() -> delivered(room), equalTo(2L));
    assertThat(bySequence(room)).containsExactly(stored, after);
    List<ConsumerRecord<String, byte[]>> dead = deadLetters(room, refused.size());
    assertThat(dead).extracting(r -> new String(r.value(), StandardCharsets.UTF_8))
        .containsExactlyElementsOf(refused);
    assertThat(dead).extracting(r -> header(r, "relay-error-status"))
        .containsExactly("400", "400", "400", "400", "409");
    List<JsonNode> problems = dead.stream().map(KafkaIntakeIT::problem).toList();
    assertThat(problems).extracting(p -> p.path("errors").path(0).path("field").asText())
        .containsExactly("$", "body", "channel", "roomId", "");
    assertThat(problems.get(3).path("errors").path(0).path("message").asText())
        .isEqualTo("must also be the record's key, which is '" + room + "'");
    // the very bodies REST answers the same requests with
    assertThat(problems.get(1)).isEqualTo(withoutInstance(api.send(noBody)));
    assertThat(problems.get(2)).isEqualTo(withoutInstance(api.send(unknownChannel)));
    assertThat(problems.get(4)).isEqualTo(withoutInstance(api.send(otherContent)));
    assertThat(count("dead.letters") - deadLettersBefore).isEqualTo(refused.size());
    assertThat(api.get(room + "-nobody").getStatusCode()).isEqualTo(HttpStatus.NOT_FOUND);
    assertThat(api.get(room + "-keyed").getStatusCode()).isEqualTo(HttpStatus.NOT_FOUND);
  }

  /**
   * A second node joins the group while records flow (the partitions are shared out again), then
   * leaves while they still flow (they go back): every record is stored once, in its room's order.
   */
  @Test
  @Order(5)
  void twoNodesInOneGroup_rebalancedWhileRecordsFlow_nothingLost_orderKept() {
    String run = newId("nodes");
    provider.acknowledgeBeforeAnswering(run, webhook);
    List<String> rooms = IntStream.range(0, 20).mapToObj(r -> run + "-r" + r).toList();
    int perRoom = 5;

    produce(round(rooms, 1));
    double consumedByB;
    try (ConfigurableApplicationContext nodeB = startSecondNode()) {
      ConcurrentMessageListenerContainer<?, ?> containerB =
          nodeB.getBean(ConcurrentMessageListenerContainer.class);
      patiently().until(() -> !containerB.getAssignedPartitions().isEmpty()
          && container.getAssignedPartitions().size() < PARTITIONS);
      MeterRegistry metricsB = nodeB.getBean(MeterRegistry.class);
      produce(round(rooms, 2));
      produce(round(rooms, 3));
      patiently().until(() -> metricsB.get("relay.intake.kafka.consumed").counter().count() > 0);
      produce(round(rooms, 4));
      consumedByB = metricsB.get("relay.intake.kafka.consumed").counter().count();
    }
    produce(round(rooms, 5));

    patiently().until(() -> delivered(run), equalTo((long) rooms.size() * perRoom));
    assertThat(consumedByB).as("records the second node dealt with").isPositive();
    eventually().until(() -> container.getAssignedPartitions().size(), equalTo(PARTITIONS));
    for (String room : rooms) {
      List<String> sent = IntStream.rangeClosed(1, perRoom).mapToObj(k -> room + "-m" + k).toList();
      assertThat(firstAttempts(room + "-m")).as("provider's first attempts of %s", room).isEqualTo(sent);
      assertThat(bySequence(room)).as("sequences of %s", room).isEqualTo(sent);
      sent.forEach(id -> assertThat(provider.calls(id)).as("calls of %s", id).hasSize(1));
    }
  }

  /** Last: the engine's job executor and the pool need a moment after the database is back. */
  @Test
  @Order(6)
  void databaseDown_recordsWait_noneDeadLettered_allStoredOnceItIsBack() throws Exception {
    String run = newId("outage");
    provider.acknowledgeBeforeAnswering(run, webhook);
    List<String> rooms = IntStream.range(0, 10).mapToObj(r -> run + "-r" + r).toList();
    double failedBefore = count("failed.batches");
    double deadLettersBefore = count("dead.letters");

    postgres.stop();
    try {
      produce(round(rooms, 1));
      produce(round(rooms, 2));
      // the consumer has tried and failed, and tries again
      patiently().until(() -> count("failed.batches") - failedBefore, greaterThanOrEqualTo(2.0));
    } finally {
      postgres.start();
    }

    // the pool reconnects in its own time
    patiently().ignoreExceptions().until(() -> delivered(run), equalTo((long) rooms.size() * 2));
    for (String room : rooms) {
      assertThat(bySequence(room)).as("sequences of %s", room).containsExactly(room + "-m1", room + "-m2");
      assertThat(firstAttempts(room + "-m")).containsExactly(room + "-m1", room + "-m2");
    }
    assertThat(count("dead.letters")).isEqualTo(deadLettersBefore);
  }

  // --- the second node

  /** Another Relay node on the same database and broker, in the same consumer group. */
  private ConfigurableApplicationContext startSecondNode() {
    List<String> args = new ArrayList<>(List.of(
        "--server.port=0",
        "--spring.datasource.url=" + postgres.jdbcUrl(),
        "--spring.datasource.username=postgres",
        "--relay.intake.kafka.bootstrap-servers=" + broker.getBrokersAsString(),
        "--spring.mail.host=localhost",
        "--spring.mail.port=" + mailbox.smtpPort()));
    String channel = "--relay.channels." + CHANNEL + ".";
    args.add(channel + "base-url=" + provider.baseUrl());
    args.add(channel + "api-token=" + API_TOKEN);
    args.add(channel + "webhook-secret=" + WEBHOOK_SECRET);
    args.add(channel + "ack-gate-timeout=" + ACK_GATE_TIMEOUT);
    QUIET_BROKER.forEach(setting -> args.add("--" + setting));
    return new SpringApplicationBuilder(RelayApplication.class)
        .main(RelayApplication.class)
        .profiles("test")
        .run(args.toArray(String[]::new));
  }

  // --- records

  private static EmbeddedKafkaKraftBroker startBroker() {
    EmbeddedKafkaKraftBroker started = new EmbeddedKafkaKraftBroker(1, PARTITIONS, TOPIC, DLT);
    started.afterPropertiesSet();
    Runtime.getRuntime().addShutdownHook(new Thread(started::destroy, "kafka-broker-stop"));
    return started;
  }

  private static KafkaProducer<String, String> producer() {
    return new KafkaProducer<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.getBrokersAsString(),
        ProducerConfig.ACKS_CONFIG, "all",
        ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
        ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class));
  }

  /** Every room's k-th message, one record each, keyed by its room. */
  private static List<ProducerRecord<String, String>> round(List<String> rooms, int k) {
    return rooms.stream().map(room -> record(room, message(room + "-m" + k, room))).toList();
  }

  private static ProducerRecord<String, String> record(String key, Map<String, Object> value) {
    return new ProducerRecord<>(TOPIC, key, json(value));
  }

  /** Sends the records in this order and waits until the broker has them; their partitions. */
  private static Set<Integer> produce(List<ProducerRecord<String, String>> records) {
    List<Future<RecordMetadata>> sent = records.stream().map(producer::send).toList();
    Set<Integer> partitions = new HashSet<>();
    try {
      for (Future<RecordMetadata> metadata : sent) {
        partitions.add(metadata.get().partition());
      }
    } catch (Exception e) {
      throw new IllegalStateException("records not produced", e);
    }
    return partitions;
  }

  /** The records of this key on the dead-letter topic, once there are this many. */
  private static List<ConsumerRecord<String, byte[]>> deadLetters(String key, int expected) {
    try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.getBrokersAsString(),
        ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
        ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class))) {
      List<TopicPartition> partitions = IntStream.range(0, PARTITIONS)
          .mapToObj(p -> new TopicPartition(DLT, p)).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      List<ConsumerRecord<String, byte[]>> found = new ArrayList<>();
      eventually().until(() -> {
        consumer.poll(Duration.ofMillis(200)).forEach(r -> {
          if (key.equals(r.key())) {
            found.add(r);
          }
        });
        return found.size() >= expected;
      });
      return found;
    }
  }

  private static String header(ConsumerRecord<?, ?> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }

  private static JsonNode problem(ConsumerRecord<?, ?> record) {
    try {
      return JSON.readTree(header(record, "relay-error-detail"));
    } catch (Exception e) {
      throw new AssertionError("relay-error-detail is no JSON: " + header(record, "relay-error-detail"), e);
    }
  }

  /** REST's problem without {@code instance} (the request's path, which a record has not). */
  private static JsonNode withoutInstance(ResponseEntity<JsonNode> answer) {
    ObjectNode body = ((ObjectNode) answer.getBody()).deepCopy();
    body.remove("instance");
    return body;
  }

  private static Map<String, Object> message(String messageId, String roomId) {
    return RelayApi.newMessage(messageId, roomId, "text of " + messageId, null);
  }

  private static NewMessage newMessage(String messageId, String roomId, String body) {
    return new NewMessage(messageId, roomId, CHANNEL, RelayApi.TO, body, null);
  }

  private static String json(Map<String, Object> value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  // --- what Relay did

  private double count(String counter) {
    return metrics.get("relay.intake.kafka." + counter).counter().count();
  }

  /** Messages whose id starts with the prefix that the provider confirmed. */
  private long delivered(String prefix) {
    return jdbc.queryForObject(
        "select count(*) from relay_message where message_id like ? and status in ('DELIVERED', 'READ')",
        Long.class,
        prefix + "%");
  }

  /** The room's messages in sequence order. */
  private List<String> bySequence(String roomId) {
    return jdbc.queryForList(
        "select message_id from relay_message where room_id = ? order by sequence", String.class, roomId);
  }

  /** The messages whose id starts with the prefix, in the order the provider first got them. */
  private static List<String> firstAttempts(String prefix) {
    return provider.callsStartingWith(prefix).stream()
        .map(call -> call.getHeader("Idempotency-Key"))
        .distinct()
        .toList();
  }
}
