package dev.relay.jdbc;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/**
 * Times as Relay's own tables keep them: {@code timestamp with time zone}, written in UTC, so H2
 * and PostgreSQL store the same instant whatever the node's time zone.
 */
public final class Timestamps {

  private Timestamps() {}

  /** The instant as the JDBC parameter of such a column; {@code null} stays {@code null}. */
  public static OffsetDateTime utc(Instant instant) {
    return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
  }
}
