package dev.relay.delivery;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.relay.timeline.Timeline;
import java.time.Instant;
import java.util.List;

/** API.md §2's message view. */
public record MessageView(
    String messageId,
    String roomId,
    long sequence,
    String channel,
    MessageStatus status,
    int attempts,
    String providerMessageId,
    Instant acceptedAt,
    Instant dispatchedAt,
    Instant deliveredAt,
    Instant readAt,
    List<Step> timeline) {

  static MessageView of(Message m, List<Timeline.Entry> timeline) {
    return new MessageView(
        m.messageId(),
        m.roomId(),
        m.sequence(),
        m.channel(),
        m.status(),
        m.attempts(),
        m.providerMessageId(),
        m.acceptedAt(),
        m.dispatchedAt(),
        m.deliveredAt(),
        m.readAt(),
        timeline.stream().map(e -> new Step(e.at(), e.event(), e.attempt(), e.detail())).toList());
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Step(Instant at, String event, Integer attempt, String detail) {}
}
