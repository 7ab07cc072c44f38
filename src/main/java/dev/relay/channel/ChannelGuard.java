package dev.relay.channel;

import dev.relay.channel.ChannelState.Admission;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * A channel's rate limit and circuit across the cluster (API.md §7). The state is the channel's
 * row in relay_channel; every change is made under its lock in a short transaction of its own
 * (never the caller's: the lock must not be held through a provider call), so every node sees one
 * pacing and one circuit.
 *
 * <p>Each node keeps a copy of each row, read again when it is a second old or after a change of
 * its own: a channel with no limit and a closed circuit costs no statement per call, and a PATCH
 * or a circuit opened by another node reaches this node within a second. A call is held by the
 * copy alone only when the shared row would hold it too (a stale copy holds too little, never too
 * much: the row is asked before any call goes).
 */
@Service
public class ChannelGuard {

  private static final Logger log = LoggerFactory.getLogger(ChannelGuard.class);
  private static final Duration FRESH_FOR = Duration.ofSeconds(1);

  private final ChannelStateRepository rows;
  private final ChannelPolicies policies;
  private final RelayCircuitProperties settings;
  private final ObjectProvider<HeldCalls> held;
  private final TransactionTemplate ownTransaction;
  private final Map<String, Copy> copies = new ConcurrentHashMap<>();
  private final Set<String> ensured = ConcurrentHashMap.newKeySet();

  ChannelGuard(
      ChannelStateRepository rows,
      ChannelPolicies policies,
      RelayCircuitProperties settings,
      ObjectProvider<HeldCalls> held,
      PlatformTransactionManager transactions) {
    this.rows = rows;
    this.policies = policies;
    this.settings = settings;
    this.held = held;
    this.ownTransaction = new TransactionTemplate(transactions);
    this.ownTransaction.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
  }

  /**
   * Asked right before a provider call of the channel: empty when it may go now (it has then
   * taken its paced slot or its trial), else the time to try again.
   */
  public Optional<Instant> admit(String channel) {
    Instant now = Instant.now();
    Copy copy = copy(channel, now);
    Admission guess = copy.state().admit(now, settings, copy.backlog(), ThreadLocalRandom.current());
    if (!guess.admitted()) {
      return Optional.of(guess.holdUntil());
    }
    if (copy.state().isUnrestricted()) {
      return Optional.empty();
    }
    Admission[] decided = new Admission[1];
    change(channel, (state, locked) -> {
      decided[0] = state.admit(locked, settings, copy.backlog(), ThreadLocalRandom.current());
      return decided[0].next();
    });
    return Optional.ofNullable(decided[0].holdUntil());
  }

  /**
   * Whether no channel holds calls now, as this node's copies (at most a second old) say: then a
   * dispatch need not even look up its message's channel.
   */
  public boolean holdsNone() {
    Instant now = Instant.now();
    return policies.names().stream().allMatch(channel -> copy(channel, now).state().isUnrestricted());
  }

  /** The provider answered a call: it took the message, or refused it for good. */
  void succeeded(String channel) {
    Instant now = Instant.now();
    ChannelState known = copy(channel, now).state();
    if (known.circuit() == Circuit.CLOSED && known.failures() == 0) {
      return; // the common case: nothing to record
    }
    change(channel, (state, locked) -> state.succeeded(locked, settings));
  }

  /** A call failed as transient: one more in the run that opens the circuit. */
  void failed(String channel) {
    change(channel, (state, locked) -> state.failed(locked, settings));
  }

  /** The channel as the cluster sees it now (read from the row, not the copy). */
  ChannelView view(String channel) {
    ChannelState state = read(channel);
    return new ChannelView(
        channel,
        ChannelView.plain(state.rateLimit()),
        state.circuit(),
        state.circuitSince(),
        heldCount(channel),
        policies.ackGate(channel).toMillis());
  }

  /** The channel's circuit as this node's copy says (at most a second old). */
  Circuit circuit(String channel) {
    return copy(channel, Instant.now()).state().circuit();
  }

  /** The messages whose next call of the channel is held back now. */
  long held(String channel) {
    return heldCount(channel);
  }

  /** Sets (null: removes) the channel's rate limit for every node; this node uses it at once. */
  ChannelView setRateLimit(String channel, Double rateLimit) {
    change(channel, (state, locked) -> state.withRateLimit(rateLimit));
    return view(channel);
  }

  /** Changes the row under its lock; {@code how} gets the time the lock was granted. */
  private void change(String channel, BiFunction<ChannelState, Instant, ChannelState> how) {
    ensure(channel);
    ownTransaction.executeWithoutResult(
        tx -> {
          ChannelState before = rows.lock(channel).orElseThrow();
          // not earlier: a slot given at a time before another node's call would pace too close
          Instant now = Instant.now();
          ChannelState after = how.apply(before, now);
          if (!after.equals(before)) {
            rows.save(channel, after);
          }
          if (after.circuit() == Circuit.OPEN && before.circuit() != Circuit.OPEN) {
            log.warn("channel {}: provider failing, circuit OPEN for {}", channel, settings.openFor());
          } else if (after.circuit() != before.circuit()) {
            log.info("channel {}: circuit {}", channel, after.circuit());
          }
          // the row was just read under its lock: fresh; the backlog is counted once a second
          Copy old = copies.get(channel);
          copies.put(
              channel,
              old == null
                  ? new Copy(after, backlog(channel, after), now)
                  : new Copy(after, old.backlog(), old.readAt()));
        });
  }

  private Copy copy(String channel, Instant now) {
    Copy copy = copies.get(channel);
    if (copy == null || !now.isBefore(copy.readAt().plus(FRESH_FOR))) {
      ChannelState state = read(channel);
      copy = new Copy(state, backlog(channel, state), now);
      copies.put(channel, copy);
    }
    return copy;
  }

  private ChannelState read(String channel) {
    ensure(channel);
    return rows.find(channel).orElseThrow();
  }

  /** Once per node and channel, in a transaction of its own: another node may race to create it. */
  private void ensure(String channel) {
    if (ensured.contains(channel)) {
      return;
    }
    Double configured = policies.channel(channel).rateLimit();
    try {
      ownTransaction.executeWithoutResult(tx -> rows.create(channel, configured, Instant.now()));
    } catch (DuplicateKeyException createdMeanwhile) {
      // by another node or thread: it exists, which is all this wanted
    }
    ownTransaction.executeWithoutResult(tx -> rows.reconcile(channel, configured));
    ensured.add(channel);
  }

  /** Held calls spread over the slots they need: counted only while something holds calls. */
  private long backlog(String channel, ChannelState state) {
    return state.isUnrestricted() ? 0 : heldCount(channel);
  }

  private long heldCount(String channel) {
    HeldCalls counter = held.getIfAvailable();
    return counter == null ? 0 : counter.count(channel);
  }

  /** This node's copy of a channel's row, and when it was read. */
  private record Copy(ChannelState state, long backlog, Instant readAt) {}
}
