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

  /** A message as intake has just stored it: accepted, with no timeline rows yet. */
  public MessageView ofJustAccepted(Message message) {
    return MessageView.of(message, List.of());
  }
}
