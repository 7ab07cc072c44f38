package dev.relay.delivery;

import dev.relay.channel.ProviderRejectedException;
import dev.relay.channel.TransientProviderException;
import dev.relay.delivery.DeliveryService.DispatchOutcome;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.mockito.invocation.InvocationOnMock;
import org.mockito.stubbing.Answer;

/**
 * The provider as the process meets it, behind a mocked {@link DeliveryService#dispatch}: records
 * each call's Idempotency-Key (the messageId, see DeliveryService) and answers as the test scripts
 * it. Attempts count the calls the provider took, per message, as DeliveryService counts them.
 */
final class FakeProvider implements Answer<DispatchOutcome> {

  /** What the provider does with one call. */
  enum Reply {
    /** Takes the message; no status has come back yet. */
    ACCEPT,
    /** Takes the message, and its ACK was recorded while the call was in flight. */
    ACCEPT_ACK_RACED,
    /** A 4xx other than 429: the provider will never take it. */
    REJECT,
    /** A 503: try again later. */
    UNAVAILABLE
  }

  private final List<String> idempotencyKeys = new ArrayList<>();
  private final Map<String, Integer> accepted = new HashMap<>();
  private final Deque<Reply> script = new ArrayDeque<>(List.of(Reply.ACCEPT));

  /** Scripts the next calls, one reply each; the last reply repeats. */
  FakeProvider replies(Reply... replies) {
    script.clear();
    script.addAll(List.of(replies));
    return this;
  }

  @Override
  public DispatchOutcome answer(InvocationOnMock invocation) {
    String idempotencyKey = invocation.getArgument(0);
    idempotencyKeys.add(idempotencyKey);
    Reply reply = script.size() > 1 ? script.poll() : script.peek();
    return switch (reply) {
      case ACCEPT -> new DispatchOutcome(accept(idempotencyKey), false, false, false);
      case ACCEPT_ACK_RACED -> new DispatchOutcome(accept(idempotencyKey), true, false, false);
      case REJECT ->
          throw new ProviderRejectedException(400, "provider answered 400: invalid recipient");
      case UNAVAILABLE -> throw new TransientProviderException("provider answered 503", null, null);
    };
  }

  /** The Idempotency-Key of every call, in call order. */
  List<String> idempotencyKeys() {
    return List.copyOf(idempotencyKeys);
  }

  private int accept(String messageId) {
    return accepted.merge(messageId, 1, Integer::sum);
  }
}
