package dev.relay.webhook;

import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * {@code relay.webhooks.*}.
 *
 * @param maxRequestSize the largest callback body read; a larger one is refused with 413 before
 *     its signature is checked (a provider batches statuses: 1 MB holds thousands)
 */
@Validated
@ConfigurationProperties("relay.webhooks")
public record WebhookProperties(@NotNull @DefaultValue("1MB") DataSize maxRequestSize) {}
