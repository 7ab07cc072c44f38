package dev.relay.web;

import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code relay.api.*}. With tokens configured, every {@code /api} call needs {@code
 * Authorization: Bearer <one of them>}; without (the demo), the API is open.
 */
@ConfigurationProperties("relay.api")
public record ApiProperties(@DefaultValue List<String> tokens) {}
