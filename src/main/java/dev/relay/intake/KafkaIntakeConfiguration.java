package dev.relay.intake;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.validation.Validator;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.kafka.KafkaProperties;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.core.DefaultKafkaConsumerFactory;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.MicrometerConsumerListener;
import org.springframework.kafka.core.MicrometerProducerListener;
import org.springframework.kafka.listener.ConcurrentMessageListenerContainer;
import org.springframework.kafka.listener.ContainerProperties;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.kafka.listener.RetryListener;
import org.springframework.util.backoff.ExponentialBackOff;

/**
 * Intake from Kafka (API.md §1b), on when {@code relay.intake.kafka.bootstrap-servers} is set: a
 * batch listener container on the topic, in the group, whose offsets are committed after each
 * batch is dealt with. Spring Boot's {@code spring.kafka.*} settings (security, timeouts,
 * {@code max-poll-records}) apply; the brokers, group, byte-array (de)serializers and manual
 * commits are Relay's.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(prefix = "relay.intake.kafka", name = "bootstrap-servers")
class KafkaIntakeConfiguration {

  private static final long FIRST_RETRY_MILLIS = 100;

  @Bean
  ConcurrentMessageListenerContainer<byte[], byte[]> kafkaIntakeContainer(
      KafkaIntakeProperties intake,
      KafkaProperties boot,
      ObjectProvider<SslBundles> ssl,
      KafkaIntake listener,
      MeterRegistry metrics) {
    Map<String, Object> config = boot.buildConsumerProperties(ssl.getIfAvailable());
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, intake.bootstrapServers());
    config.put(ConsumerConfig.GROUP_ID_CONFIG, intake.group());
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    // a new group reads what the topic holds, not only what comes after it joined
    config.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    DefaultKafkaConsumerFactory<byte[], byte[]> consumers = new DefaultKafkaConsumerFactory<>(config);
    consumers.addListener(new MicrometerConsumerListener<>(metrics));

    ContainerProperties properties = new ContainerProperties(intake.topic());
    properties.setGroupId(intake.group());
    properties.setAckMode(ContainerProperties.AckMode.BATCH);
    properties.setMessageListener(listener);
    ConcurrentMessageListenerContainer<byte[], byte[]> container =
        new ConcurrentMessageListenerContainer<>(consumers, properties);
    container.setConcurrency(intake.concurrency());
    container.setCommonErrorHandler(retryUntilStored(intake, listener));
    return container;
  }

  /**
   * A batch that could not be stored (database down, or anything else) is offered again with the
   * partitions paused, waits doubling up to max-retry-interval, for as long as it takes: nothing
   * read is skipped, and nothing reaches the dead-letter topic for it. Records the intake refuses
   * are no failure: they are dead-lettered by {@link KafkaIntake} itself.
   */
  private static DefaultErrorHandler retryUntilStored(KafkaIntakeProperties intake, KafkaIntake listener) {
    ExponentialBackOff backOff = new ExponentialBackOff(FIRST_RETRY_MILLIS, 2);
    backOff.setMaxInterval(intake.maxRetryInterval().toMillis());
    DefaultErrorHandler handler = new DefaultErrorHandler(backOff);
    handler.setClassifications(Map.of(), true); // every failure is worth another try
    handler.setRetryListeners(
        new RetryListener() {
          @Override
          public void failedDelivery(ConsumerRecords<?, ?> records, Exception failure, int attempt) {
            listener.batchFailed(records.count(), failure, attempt);
          }

          @Override
          public void failedDelivery(ConsumerRecord<?, ?> record, Exception failure, int attempt) {
            // a batch listener's failures are whole batches
          }
        });
    return handler;
  }

  /** Closed with it: it sends the dead letters. */
  @Bean(destroyMethod = "close")
  KafkaIntake kafkaIntake(
      KafkaIntakeProperties intake,
      KafkaProperties boot,
      ObjectProvider<SslBundles> ssl,
      IntakeService service,
      ObjectMapper json,
      Validator validator,
      MeterRegistry metrics) {
    Map<String, Object> config = boot.buildProducerProperties(ssl.getIfAvailable());
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, intake.bootstrapServers());
    config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    DefaultKafkaProducerFactory<byte[], byte[]> producers = new DefaultKafkaProducerFactory<>(config);
    producers.addListener(new MicrometerProducerListener<>(metrics));
    return new KafkaIntake(
        service, new IntakeRequests(json, validator), producers, intake.deadLetterTopic(), json, metrics);
  }
}
