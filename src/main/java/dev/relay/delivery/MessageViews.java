package dev.relay.delivery;

import dev.relay.timeline.Timeline;
import java.util.List;
import org.springframework.stereotype.Component;

/** Builds API.md §2's message view: the message with its timeline. */
@Component
public class MessageViews {

  private final Timeline timeline;

  MessageViews(Timeline timeline) {
    this.timeline = timeline;
  }

  public MessageView of(Message message) {
    return MessageView.of(message, timeline.of(message.messageId()));
  }

  /**
   * A message accepted in this very transaction: its steps so far (accepted, perhaps taken by its
   * room) are all on its row, so the timeline's rows need no query.
   */
  public MessageView ofJustAccepted(Message message) {
    return MessageView.of(message, List.of());
  }
}
