package dev.relay.simulator;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the simulated provider accepted: the idempotency map (key → provider id, number of
 * requests) and an inbox per recipient in arrival order. In memory only; cleared by tests.
 */
public final class SimulatorInbox {

  private record Key(String channel, String idempotencyKey) {}

  private record Known(String providerMessageId, int requests) {}

  private final ConcurrentHashMap<Key, Known> byKey = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, List<InboxEntry>> byRecipient = new ConcurrentHashMap<>();

  /**
   * Records one accepted request. The same key on the same channel always gets the same provider
   * id. The entry is appended while the key's map slot is held, so attempt 1 of a key always
   * precedes attempt 2 in the inbox even when both requests race.
   */
  InboxEntry accept(
      String channel, String idempotencyKey, String to, String body, String reference, Instant at) {
    InboxEntry[] entry = new InboxEntry[1];
    byKey.compute(
        new Key(channel, idempotencyKey),
        (key, known) -> {
          Known next =
              known == null
                  ? new Known(channel + "-" + UUID.randomUUID(), 1)
                  : new Known(known.providerMessageId(), known.requests() + 1);
          entry[0] =
              new InboxEntry(
                  channel, reference, idempotencyKey, body, next.providerMessageId(), at,
                  next.requests());
          byRecipient
              .computeIfAbsent(to, t -> Collections.synchronizedList(new ArrayList<>()))
              .add(entry[0]);
          return next;
        });
    return entry[0];
  }

  /** The entries for one recipient, oldest first; empty if none. */
  public List<InboxEntry> entries(String to) {
    List<InboxEntry> entries = byRecipient.get(to);
    if (entries == null) {
      return List.of();
    }
    synchronized (entries) { // the lock of Collections.synchronizedList, as its contract asks
      return List.copyOf(entries);
    }
  }

  /** Forgets every inbox and every Idempotency-Key. */
  public void clear() {
    byKey.clear();
    byRecipient.clear();
  }
}
