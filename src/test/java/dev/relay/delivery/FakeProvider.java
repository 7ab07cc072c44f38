package dev.relay.delivery;

import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.when;

import dev.relay.channel.TransientProviderException;
import dev.relay.delivery.DeliveryService.Dispatch;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.camunda.bpm.engine.impl.util.ClockUtil;

/**
 * The provider as the diagrams meet it, behind a mocked {@link DeliveryService}: {@link
 * DeliveryService#dispatch} records each call's Idempotency-Key (the messageId) and answers as the
 * test scripts it, counting the attempts the provider took per message and stamping the first with
 * the engine's clock, as DeliveryService does; {@link DeliveryService#dispatchRetriesExhausted}
 * counts the transient failures of the next attempt against the engine's dispatch tries, as
 * DeliveryService counts DISPATCH_FAILED on the timeline.
 */
public final class FakeProvider {

  /** What the provider does with one call. */
  public enum Reply {
    /** Takes the message; no status has come back yet. */
    ACCEPT,
    /** Takes the message, and its ACK was recorded while the call was in flight. */
    ACCEPT_ACK_RACED,
    /** A 4xx other than 429: the provider will never take it (DeliveryService marks it FAILED). */
    REJECT,
    /** A 503: try again later. */
    UNAVAILABLE
  }

  /** The channel of every message it answers for (the process tests' configured channel). */
  public static final String CHANNEL = "testchat";

  private final int dispatchTries;
  private final List<String> idempotencyKeys = new ArrayList<>();
  private final Map<String, Integer> accepted = new HashMap<>();
  private final Map<String, Instant> firstAccepted = new HashMap<>();
  private final Map<String, Integer> failuresOfNextAttempt = new HashMap<>();
  private final Map<String, Deque<Reply>> scripts = new HashMap<>();

  private FakeProvider(int dispatchTries) {
    this.dispatchTries = dispatchTries;
  }

  /** Puts a fake provider behind the mocked service's dispatch and its retry count. */
  public static FakeProvider behind(DeliveryService deliveries, int dispatchTries) {
    FakeProvider provider = new FakeProvider(dispatchTries);
    when(deliveries.dispatch(anyString()))
        .thenAnswer(call -> provider.dispatch(call.getArgument(0)));
    when(deliveries.dispatchRetriesExhausted(anyString()))
        .thenAnswer(call -> provider.retriesExhausted(call.getArgument(0)));
    return provider;
  }

  /** Scripts the message's next calls, one reply each; the last reply repeats. Default: ACCEPT. */
  public FakeProvider replies(String messageId, Reply... replies) {
    scripts.put(messageId, new ArrayDeque<>(List.of(replies)));
    return this;
  }

  /** The provider took the message's earlier attempts, the first at {@code firstAt}. */
  public FakeProvider alreadyAccepted(String messageId, int attempts, Instant firstAt) {
    accepted.put(messageId, attempts);
    firstAccepted.put(messageId, firstAt);
    return this;
  }

  /** The Idempotency-Key of every call, in call order. */
  public List<String> idempotencyKeys() {
    return List.copyOf(idempotencyKeys);
  }

  private Dispatch dispatch(String messageId) {
    idempotencyKeys.add(messageId);
    Deque<Reply> script = scripts.getOrDefault(messageId, new ArrayDeque<>(List.of(Reply.ACCEPT)));
    Reply reply = script.size() > 1 ? script.poll() : script.peek();
    return switch (reply) {
      case ACCEPT -> accept(messageId, DeliveryReport.NONE);
      case ACCEPT_ACK_RACED -> accept(messageId, DeliveryReport.DELIVERED);
      case REJECT ->
          new Dispatch(
              DeliveryReport.FAILED,
              accepted.getOrDefault(messageId, 0),
              firstAccepted.get(messageId),
              CHANNEL);
      case UNAVAILABLE -> {
        failuresOfNextAttempt.merge(messageId, 1, Integer::sum);
        throw new TransientProviderException("provider answered 503", null, null);
      }
    };
  }

  private Dispatch accept(String messageId, DeliveryReport report) {
    int attempt = accepted.merge(messageId, 1, Integer::sum);
    failuresOfNextAttempt.remove(messageId);
    Instant firstAt =
        firstAccepted.computeIfAbsent(messageId, id -> ClockUtil.getCurrentTime().toInstant());
    return new Dispatch(report, attempt, firstAt, CHANNEL);
  }

  private boolean retriesExhausted(String messageId) {
    return failuresOfNextAttempt.getOrDefault(messageId, 0) >= dispatchTries;
  }
}
