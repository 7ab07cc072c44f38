package dev.relay.delivery;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.relay.timeline.Timeline;
import dev.relay.timeline.TimelineEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
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

  /**
   * The happy path's steps come from the message row's times, the others from the timeline's
   * rows; together, in time order (a step read from the row comes first at equal times).
   */
  static MessageView of(Message m, List<Timeline.Entry> rows) {
    List<Step> steps = new ArrayList<>();
    step(steps, m.acceptedAt(), TimelineEvent.ACCEPTED, null);
    step(steps, m.takenAt(), TimelineEvent.TURN_GRANTED, null);
    step(steps, m.dispatchedAt(), TimelineEvent.DISPATCHED, 1);
    step(steps, m.deliveredAt(), TimelineEvent.DELIVERED, null);
    step(steps, m.readAt(), TimelineEvent.READ, null);
    rows.forEach(e -> steps.add(new Step(e.at(), e.event(), e.attempt(), e.detail())));
    steps.sort(Comparator.comparing(Step::at));
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
        List.copyOf(steps));
  }

  private static void step(List<Step> steps, Instant at, TimelineEvent event, Integer attempt) {
    if (at != null) {
      steps.add(new Step(at, event.name(), attempt, null));
    }
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Step(Instant at, String event, Integer attempt, String detail) {}
}
