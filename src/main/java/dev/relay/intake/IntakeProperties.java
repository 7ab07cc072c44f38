package dev.relay.intake;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * {@code relay.intake.*} (Kafka's are {@code relay.intake.kafka.*}, {@link KafkaIntakeProperties}).
 *
 * @param threads the threads that store a node's REST intakes, each with a database connection
 *     while it stores; a request waits for its store holding no request thread. A store is a few
 *     round trips and takes a busy room's waiting intakes along, so a few threads keep up with
 *     what two cores can deliver, and the request threads and the connections stay with the
 *     webhooks, which move the rooms on
 */
@Validated
@ConfigurationProperties("relay.intake")
public record IntakeProperties(@Min(1) @Max(64) @DefaultValue("4") int threads) {}
