package dev.relay.intake;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relay.delivery.NewMessage;
import dev.relay.web.FieldError;
import dev.relay.web.Problems;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.http.ProblemDetail;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaOperations;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.BatchConsumerAwareMessageListener;
import org.springframework.kafka.support.KafkaHeaders;

/**
 * Intake from Kafka (API.md §1b): each poll's records become what their POSTs would, in one
 * transaction ({@link IntakeService#acceptAll}); refused records go to the dead-letter topic with
 * the problem their POST would have got. The container commits the poll's offsets only when this
 * returns, so everything is stored (or dead-lettered) first; if storing fails (database down), it
 * throws, and the container pauses the partitions and offers the same records again, with
 * growing waits, until they are stored.
 */
class KafkaIntake implements BatchConsumerAwareMessageListener<byte[], byte[]>, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(KafkaIntake.class);

  static final String ERROR_STATUS = "relay-error-status";
  static final String ERROR_DETAIL = "relay-error-detail";

  /** A dead letter not acknowledged by then fails the batch, which is then tried again. */
  private static final long DEAD_LETTER_TIMEOUT_SECONDS = 30;

  private final IntakeService intake;
  private final IntakeRequests requests;
  private final DefaultKafkaProducerFactory<byte[], byte[]> producers;
  private final KafkaOperations<byte[], byte[]> deadLetters;
  private final String deadLetterTopic;
  private final ObjectMapper json;
  private final Counter consumed;
  private final MeterRegistry meters;
  private final Counter stored;
  private final Counter repeats;
  private final Counter deadLettered;
  private final Counter failedBatches;
  /** Each partition this node consumes: records behind its end, as of its last batch. */
  private final Map<TopicPartition, Long> lag = new ConcurrentHashMap<>();

  KafkaIntake(
      IntakeService intake,
      IntakeRequests requests,
      DefaultKafkaProducerFactory<byte[], byte[]> producers,
      String deadLetterTopic,
      ObjectMapper json,
      MeterRegistry metrics) {
    this.intake = intake;
    this.requests = requests;
    this.producers = producers;
    this.deadLetters = new KafkaTemplate<>(producers);
    this.deadLetterTopic = deadLetterTopic;
    this.json = json;
    this.meters = metrics;
    this.consumed = counter(metrics, "consumed", "records read from the topic and dealt with");
    this.stored = counter(metrics, "stored", "records stored as new messages");
    this.repeats = counter(metrics, "repeats", "records skipped: their message was stored already");
    this.deadLettered = counter(metrics, "dead.letters", "records refused and sent to the dead-letter topic");
    this.failedBatches = counter(metrics, "failed.batches", "tries of a batch that failed, to be tried again");
    metrics.gauge("relay.intake.kafka.lag", lag, KafkaIntake::total);
  }

  @Override
  public void onMessage(List<ConsumerRecord<byte[], byte[]>> records, Consumer<?, ?> consumer) {
    List<ConsumerRecord<byte[], byte[]>> readable = new ArrayList<>();
    List<NewMessage> messages = new ArrayList<>();
    List<Refusal> refused = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> record : records) {
      IntakeRequests.Read read = requests.read(record.value());
      List<FieldError> errors = new ArrayList<>(read.errors());
      if (read.valid() && !read.message().roomId().equals(key(record))) {
        errors.add(new FieldError("roomId", keyMismatch(record)));
      }
      if (errors.isEmpty()) {
        readable.add(record);
        messages.add(read.message());
      } else {
        refused.add(new Refusal(record, Problems.invalid(errors)));
      }
    }

    List<IntakeService.Intake> answers = messages.isEmpty() ? List.of() : intake.acceptAll(messages);
    int newlyStored = 0;
    int repeated = 0;
    for (int i = 0; i < answers.size(); i++) {
      IntakeService.Intake answer = answers.get(i);
      switch (answer.kind()) {
        case ACCEPTED -> {
          newlyStored++;
          AcceptedMessages.count(meters, answer.message().channel(), "broker");
        }
        case REPEATED -> repeated++;
        case CONFLICT -> refused.add(new Refusal(readable.get(i), Problems.conflict(answer.conflict())));
      }
    }
    deadLetter(refused);

    consumed.increment(records.size());
    stored.increment(newlyStored);
    repeats.increment(repeated);
    deadLettered.increment(refused.size());
    measureLag(consumer);
  }

  /**
   * A try of a batch failed (database down, dead-letter topic not writable): it is tried again,
   * and whatever it had stored is then skipped as repeats.
   */
  void batchFailed(int records, Exception failure, int attempt) {
    failedBatches.increment();
    log.warn(
        "A batch of {} records could not be stored (try {}); trying again: {}",
        records,
        attempt,
        NestedExceptionUtils.getMostSpecificCause(failure).toString());
  }

  @Override
  public void close() {
    producers.destroy();
  }

  /** The record's key as text; null for none. */
  private static String key(ConsumerRecord<byte[], byte[]> record) {
    return record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
  }

  /**
   * A room's order holds only within a partition, and the producer's key decides the partition:
   * a record keyed otherwise could overtake or trail its room's others, so it is refused.
   */
  private static String keyMismatch(ConsumerRecord<byte[], byte[]> record) {
    return record.key() == null
        ? "must also be the record's key, which is missing"
        : "must also be the record's key, which is '" + key(record) + "'";
  }

  /**
   * Sends the refused records, unchanged, to the dead-letter topic in the order they were read, and
   * waits until the broker has them all: the batch's offsets are committed only after this.
   */
  private void deadLetter(List<Refusal> refused) {
    if (refused.isEmpty()) {
      return;
    }
    refused.sort(
        Comparator.comparingInt((Refusal r) -> r.record().partition())
            .thenComparingLong(r -> r.record().offset()));
    List<CompletableFuture<?>> sent = new ArrayList<>();
    for (Refusal refusal : refused) {
      ConsumerRecord<byte[], byte[]> record = refusal.record();
      Headers headers = new RecordHeaders(record.headers().toArray());
      headers.add(ERROR_STATUS, text(Integer.toString(refusal.problem().getStatus())));
      headers.add(ERROR_DETAIL, problemJson(refusal.problem()));
      headers.add(KafkaHeaders.DLT_ORIGINAL_TOPIC, text(record.topic()));
      headers.add(KafkaHeaders.DLT_ORIGINAL_PARTITION, ByteBuffer.allocate(4).putInt(record.partition()).array());
      headers.add(KafkaHeaders.DLT_ORIGINAL_OFFSET, ByteBuffer.allocate(8).putLong(record.offset()).array());
      sent.add(
          deadLetters.send(
              new ProducerRecord<>(deadLetterTopic, null, record.key(), record.value(), headers)));
    }
    try {
      CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new))
          .get(DEAD_LETTER_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while sending to " + deadLetterTopic, e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("could not send refused records to " + deadLetterTopic, e);
    }
  }

  /** The problem as REST writes it (the application's ObjectMapper: errors at the top level). */
  private byte[] problemJson(ProblemDetail problem) {
    try {
      return json.writeValueAsBytes(problem);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("problem not writable: " + problem, e);
    }
  }

  private void measureLag(Consumer<?, ?> consumer) {
    Set<TopicPartition> assigned = consumer.assignment();
    lag.keySet().retainAll(assigned);
    for (TopicPartition partition : assigned) {
      consumer.currentLag(partition).ifPresent(behind -> lag.put(partition, behind));
    }
  }

  private static double total(Map<TopicPartition, Long> lag) {
    return lag.values().stream().mapToLong(Long::longValue).sum();
  }

  private static byte[] text(String value) {
    return value.getBytes(StandardCharsets.UTF_8);
  }

  private static Counter counter(MeterRegistry metrics, String name, String description) {
    return Counter.builder("relay.intake.kafka." + name).description(description).register(metrics);
  }

  private record Refusal(ConsumerRecord<byte[], byte[]> record, ProblemDetail problem) {}
}
