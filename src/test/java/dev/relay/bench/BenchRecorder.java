package dev.relay.bench;

import dev.relay.bench.Accounting.FirstAttempt;
import dev.relay.simulator.InboxEntry;
import dev.relay.simulator.SimulatorInbox;
import dev.relay.simulator.SimulatorListener;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the benchmark reads from the provider's side, recorded inside the simulator's process
 * ({@link BenchSimulator}): counts per sampling interval, and when each message's delivery ACK
 * was taken by Relay. With the inbox's first attempts this gives, per recipient, the order the
 * messages arrived in and the times the benchmark needs for "ACK → next message dispatched".
 *
 * <p>Only the first ACK of a key that Relay answered 2xx counts: that is the one that moves the
 * room on; duplicates and resends change nothing in Relay.
 */
final class BenchRecorder implements SimulatorListener {

  /** Counts since the previous interval; {@code delivered} = keys ACKed for the first time. */
  record Interval(double millis, long accepted, long firstAttempts, long delivered) {}

  private record Key(String channel, String idempotencyKey) {}

  private record Ack(long sentAtMicros, long answeredAtMicros, int attempt) {}

  private final SimulatorInbox inbox;
  private final Set<String> recipients = ConcurrentHashMap.newKeySet();
  private final ConcurrentHashMap<Key, Ack> acks = new ConcurrentHashMap<>();
  private final LongAdder accepted = new LongAdder();
  private final LongAdder firstAttempts = new LongAdder();
  private final LongAdder delivered = new LongAdder();
  private long intervalStart = System.nanoTime(); // guarded by this

  BenchRecorder(SimulatorInbox inbox) {
    this.inbox = inbox;
  }

  @Override
  public void accepted(String to, InboxEntry entry) {
    recipients.add(to);
    accepted.increment();
    if (entry.attempt() == 1) {
      firstAttempts.increment();
    }
  }

  @Override
  public void acknowledged(InboxEntry entry, Instant sentAt, Instant answeredAt) {
    Ack first = acks.putIfAbsent(
        new Key(entry.channel(), entry.idempotencyKey()),
        new Ack(micros(sentAt), micros(answeredAt), entry.attempt()));
    if (first == null) {
      delivered.increment();
    }
  }

  /** Forgets the recipients and the ACKs, as the inbox forgot the keys. */
  @Override
  public void inboxCleared() {
    recipients.clear();
    acks.clear();
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
   * Each recipient's first attempts (one per Idempotency-Key) in the inbox's arrival order, the
   * order the recipient saw the messages in whatever was resent later, with their ACK times.
   *
   * @param recipientPrefix only recipients whose address starts with this; all when empty
   */
  Map<String, List<FirstAttempt>> firstAttempts(String recipientPrefix) {
    Map<String, List<FirstAttempt>> firstAttempts = new HashMap<>();
    for (String to : recipients) {
      if (to.startsWith(recipientPrefix)) {
        firstAttempts.put(to, inbox.entries(to).stream()
            .filter(e -> e.attempt() == 1)
            .map(this::withAck)
            .toList());
      }
    }
    return firstAttempts;
  }

  private FirstAttempt withAck(InboxEntry entry) {
    Ack ack = acks.get(new Key(entry.channel(), entry.idempotencyKey()));
    return new FirstAttempt(
        entry.reference(),
        micros(entry.receivedAt()),
        ack == null ? null : ack.sentAtMicros(),
        ack == null ? null : ack.answeredAtMicros(),
        ack == null ? null : ack.attempt());
  }

  private static long micros(Instant at) {
    return TimeUnit.SECONDS.toMicros(at.getEpochSecond()) + at.getNano() / 1_000;
  }
}
