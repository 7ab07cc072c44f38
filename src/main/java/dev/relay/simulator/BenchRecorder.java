package dev.relay.simulator;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;

/**
 * What the benchmark ({@code dev.relay.bench}, docs/benchmarks.md) reads from the provider's
 * side: counts per sampling interval, and when each message's delivery ACK was taken by Relay.
 * With the inbox's first attempts this gives, per recipient, the order the messages arrived in
 * and the times the benchmark needs for "ACK → next message dispatched".
 *
 * <p>Only the first ACK of a key that Relay answered 2xx counts: that is the one that releases
 * the room's turn; duplicates and resends change nothing in Relay.
 */
final class BenchRecorder {

  /** Counts since the previous interval; {@code delivered} = keys ACKed for the first time. */
  record Interval(double millis, long accepted, long firstAttempts, long delivered) {}

  /**
   * One first attempt with its ACK; times in microseconds since the epoch, the ACK ones null
   * until Relay answered an ACK callback of this key 2xx.
   *
   * @param ackSentAtMicros when the ACK callback attempt that Relay answered 2xx was sent
   * @param ackedAtMicros when that answer arrived
   */
  record FirstAttempt(
      String reference, long atMicros, Long ackSentAtMicros, Long ackedAtMicros) {}

  private record Key(String channel, String idempotencyKey) {}

  private record Ack(long sentAtMicros, long answeredAtMicros) {}

  private final SimulatorInbox inbox;
  private final ConcurrentHashMap<Key, Ack> acks = new ConcurrentHashMap<>();
  private final LongAdder accepted = new LongAdder();
  private final LongAdder firstAttempts = new LongAdder();
  private final LongAdder delivered = new LongAdder();
  private long intervalStart = System.nanoTime(); // guarded by this

  BenchRecorder(SimulatorInbox inbox) {
    this.inbox = inbox;
  }

  /** A provider request was accepted (resends included). */
  void accepted(InboxEntry entry) {
    accepted.increment();
    if (entry.attempt() == 1) {
      firstAttempts.increment();
    }
  }

  /** Relay answered 2xx to an ACK callback ({@code delivered} or {@code read}) of this entry. */
  void acknowledged(InboxEntry entry, Instant sentAt, Instant answeredAt) {
    Ack first = acks.putIfAbsent(
        new Key(entry.channel(), entry.idempotencyKey()),
        new Ack(micros(sentAt), micros(answeredAt)));
    if (first == null) {
      delivered.increment();
    }
  }

  /** The counts since the previous call (or the start), which starts the next interval. */
  synchronized Interval interval() {
    long now = System.nanoTime();
    double millis = (now - intervalStart) / (double) TimeUnit.MILLISECONDS.toNanos(1);
    intervalStart = now;
    return new Interval(
        millis, accepted.sumThenReset(), firstAttempts.sumThenReset(), delivered.sumThenReset());
  }

  /**
   * Each recipient's first attempts in arrival order, with their ACK times.
   *
   * @param recipientPrefix only recipients whose address starts with this; all when empty
   */
  Map<String, List<FirstAttempt>> firstAttempts(String recipientPrefix) {
    return inbox.firstAttempts(recipientPrefix).entrySet().stream()
        .collect(Collectors.toMap(
            Map.Entry::getKey, e -> e.getValue().stream().map(this::withAck).toList()));
  }

  /** Forgets the ACKs, as {@code DELETE /simulator/inbox} forgets the keys. */
  void clear() {
    acks.clear();
  }

  private FirstAttempt withAck(InboxEntry entry) {
    Ack ack = acks.get(new Key(entry.channel(), entry.idempotencyKey()));
    return new FirstAttempt(
        entry.reference(),
        micros(entry.receivedAt()),
        ack == null ? null : ack.sentAtMicros(),
        ack == null ? null : ack.answeredAtMicros());
  }

  private static long micros(Instant at) {
    return TimeUnit.SECONDS.toMicros(at.getEpochSecond()) + at.getNano() / 1_000;
  }
}
