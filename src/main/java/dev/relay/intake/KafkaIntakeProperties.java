package dev.relay.intake;

import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * {@code relay.intake.kafka.*} (API.md §1b). Intake from Kafka is off unless
 * {@code bootstrap-servers} is set. Other consumer and producer settings (security, timeouts,
 * {@code max-poll-records}) come from Spring Boot's {@code spring.kafka.*}.
 *
 * @param bootstrapServers the brokers, {@code host:port,...}; none: intake from Kafka is off
 * @param topic the topic every node consumes; refused records go to {@code <topic>.DLT}
 * @param group the consumer group every node joins
 * @param concurrency consumers on each node (each takes its share of the partitions)
 * @param maxRetryInterval the longest wait between tries of a batch that could not be stored
 *     (database down); the first waits 100 ms and each doubles up to this
 */
@Validated
@ConfigurationProperties("relay.intake.kafka")
public record KafkaIntakeProperties(
    String bootstrapServers,
    @NotBlank @DefaultValue("relay.messages") String topic,
    @NotBlank @DefaultValue("relay") String group,
    @Min(1) @DefaultValue("1") int concurrency,
    @NotNull @DefaultValue("10s") Duration maxRetryInterval) {

  /** Where refused records go. */
  public String deadLetterTopic() {
    return topic + ".DLT";
  }

  @AssertTrue(message = "max-retry-interval must be at least 100ms")
  boolean isMaxRetryIntervalLongEnough() {
    return maxRetryInterval == null || maxRetryInterval.toMillis() >= 100;
  }
}
