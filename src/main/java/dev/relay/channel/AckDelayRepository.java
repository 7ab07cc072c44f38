package dev.relay.channel;

import static dev.relay.jdbc.Timestamps.utc;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import java.util.TreeMap;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;

/** relay_ack_delay: every node's ACK delays by channel, slice and bucket (see {@link AckGates}). */
@Repository
class AckDelayRepository {

  private final JdbcTemplate jdbc;

  AckDelayRepository(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  /** Writes a node's closed slices; each is written once, so a plain insert never collides. */
  void insert(String nodeId, String channel, NavigableMap<Instant, DelayHistogram> slices) {
    List<Object[]> rows = new ArrayList<>();
    slices.forEach((start, histogram) -> {
      for (int b = 0; b < DelayHistogram.BUCKETS; b++) {
        if (histogram.count(b) > 0) {
          rows.add(new Object[] {channel, utc(start), nodeId, b, histogram.count(b)});
        }
      }
    });
    jdbc.batchUpdate(
        "insert into relay_ack_delay (channel, slice_start, node_id, bucket, samples)"
            + " values (?, ?, ?, ?, ?)",
        rows);
  }

  /** All nodes' slices of the channel that started at or after {@code from}, summed per slice. */
  NavigableMap<Instant, DelayHistogram> since(String channel, Instant from) {
    NavigableMap<Instant, DelayHistogram> slices = new TreeMap<>();
    jdbc.query(
        "select slice_start, bucket, sum(samples) from relay_ack_delay"
            + " where channel = ? and slice_start >= ? group by slice_start, bucket",
        rs -> {
          slices
              .computeIfAbsent(
                  rs.getObject(1, OffsetDateTime.class).toInstant(), s -> new DelayHistogram())
              .add(rs.getInt(2), rs.getLong(3));
        },
        channel,
        utc(from));
    return slices;
  }

  void deleteBefore(Instant before) {
    jdbc.update("delete from relay_ack_delay where slice_start < ?", utc(before));
  }
}
