package dev.relay.fallback;

import dev.relay.delivery.Message;
import dev.relay.delivery.MessageStatus;
import dev.relay.delivery.MessageStore;
import dev.relay.logs.MessageLog;
import dev.relay.timeline.Timeline;
import dev.relay.timeline.TimelineEvent;
import org.springframework.stereotype.Service;

/** Tells the person by e-mail what chat delivery could not, when the message has an address. */
@Service
class FallbackNotifier {

  private final MessageStore messages;
  private final FallbackMailer mailer;
  private final Timeline timeline;

  FallbackNotifier(MessageStore messages, FallbackMailer mailer, Timeline timeline) {
    this.messages = messages;
    this.mailer = mailer;
    this.timeline = timeline;
  }

  void notifyByEmail(String messageId) {
    Message message =
        messages.find(messageId).orElseThrow(() -> new IllegalStateException("no message " + messageId));
    try (var logged = MessageLog.open(messageId, message.roomId())) {
      notifyByEmail(message);
    }
  }

  private void notifyByEmail(Message message) {
    if (message.fallbackEmail() == null) {
      return;
    }
    String why =
        message.status() == MessageStatus.FAILED
            ? "was rejected by the provider"
            : "could not be confirmed after " + message.attempts() + " attempts";
    mailer.send(
        message.fallbackEmail(),
        "Your message could not be delivered by " + message.channel(),
        "Your message to "
            + message.to()
            + " on "
            + message.channel()
            + " "
            + why
            + ". Here is its text:\n\n"
            + message.body());
    timeline.record(message.messageId(), TimelineEvent.FALLBACK_EMAIL_SENT, null, message.fallbackEmail());
  }
}
