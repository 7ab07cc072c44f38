package dev.relay.simulator;

import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.PositiveOrZero;
import java.time.Duration;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Start-up settings of the bundled provider simulator (provider side of API.md §4).
 *
 * <p>They only seed {@link SimulatorBehaviour}: tests and demos change the live behaviour with
 * {@code PUT /simulator/behaviour} without restarting. Each rate is the probability, per accepted
 * request, of the fault it names.
 *
 * @param enabled switches the simulator's endpoints on
 * @param callbackUrl Relay's webhook; {@code {channel}} is replaced by the channel name and
 *     {@code {port}} by the port this application's web server listens on (handy with random ports).
 *     Several URLs separated by commas (one per Relay node): each callback attempt goes to one of
 *     them at random, as behind a load balancer
 * @param webhookSecret HMAC key of the {@code X-Relay-Signature} header of callbacks, for every
 *     channel that {@code webhookSecrets} does not name
 * @param webhookSecrets the HMAC key per channel ({@code relay.simulator.webhook-secrets.<channel>}),
 *     as Relay's {@code relay.channels.<channel>.webhook-secret}
 * @param callbackDelay wait before each asynchronous callback of a message
 * @param callbackJitter uniformly random extra wait added to {@code callbackDelay}
 * @param callbackBatchWindow how long an asynchronous callback waits for others of its channel to
 *     share one request, as busy providers batch their webhooks; zero (the default): one request
 *     per status
 * @param readDelay wait between {@code delivered} and {@code read}
 * @param dropRate no callback at all: the message is never ACKed
 * @param duplicateRate {@code delivered} is sent twice
 * @param reorderRate {@code sent} comes after {@code delivered}
 * @param earlyRate {@code delivered} is sent from inside the provider call, before it is answered
 * @param readRate a {@code read} status follows {@code delivered}
 * @param serverErrorRate answer 503 and do not accept the message
 * @param tooManyRequestsRate answer 429 with {@code Retry-After} and do not accept the message
 * @param retryAfterSeconds value of the {@code Retry-After} header of 429 answers
 * @param dropRecipientPrefix recipients ({@code to}) starting with this never get a callback, so
 *     their messages wait for an ACK for good (the benchmark's open rooms); none when empty
 */
@Validated
@ConfigurationProperties("relay.simulator")
public record SimulatorProperties(
    @DefaultValue("false") boolean enabled,
    @DefaultValue("http://localhost:8080/webhooks/{channel}") @NotBlank String callbackUrl,
    @DefaultValue("demo-webhook-secret") @NotBlank String webhookSecret,
    Map<String, @NotBlank String> webhookSecrets,
    @DefaultValue("200ms") @NotNull Duration callbackDelay,
    @DefaultValue("100ms") @NotNull Duration callbackJitter,
    @DefaultValue("1s") @NotNull Duration readDelay,
    @DefaultValue("0ms") @NotNull Duration callbackBatchWindow,
    @DefaultValue("0") @DecimalMin("0") @DecimalMax("1") double dropRate,
    @DefaultValue("0") @DecimalMin("0") @DecimalMax("1") double duplicateRate,
    @DefaultValue("0") @DecimalMin("0") @DecimalMax("1") double reorderRate,
    @DefaultValue("0") @DecimalMin("0") @DecimalMax("1") double earlyRate,
    @DefaultValue("0") @DecimalMin("0") @DecimalMax("1") double readRate,
    @DefaultValue("0") @DecimalMin("0") @DecimalMax("1") double serverErrorRate,
    @DefaultValue("0") @DecimalMin("0") @DecimalMax("1") double tooManyRequestsRate,
    @DefaultValue("1") @PositiveOrZero int retryAfterSeconds,
    String dropRecipientPrefix) {

  public SimulatorProperties {
    webhookSecrets = webhookSecrets == null ? Map.of() : Map.copyOf(webhookSecrets);
  }
}
