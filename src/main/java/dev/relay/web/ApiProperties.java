package dev.relay.web;

import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * {@code relay.api.*}. With tokens configured, every {@code /api} call needs {@code
 * Authorization: Bearer <one of them>}; without, the API is open: in the demo, and elsewhere only
 * with {@code open=true} (Relay does not start otherwise, see {@code security.ProductionSettings}).
 *
 * @param maxRequestSize the largest request body {@code /api} reads; larger ones are refused with
 *     413 before they are read. The default, 512 KiB, takes every valid intake request: a body of
 *     65,536 characters and the other fields at their limits are at most 398,000 bytes even when a
 *     client escapes every character as {@code \\uXXXX} (6 bytes each), which JSON allows.
 */
@ConfigurationProperties("relay.api")
public record ApiProperties(
    @DefaultValue List<String> tokens,
    @DefaultValue("false") boolean open,
    @DefaultValue("512KB") DataSize maxRequestSize) {}
