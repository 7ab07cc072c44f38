package dev.relay.delivery;

import java.time.Instant;
import java.util.Optional;
import org.springframework.stereotype.Service;

/** Accepted messages as intake stores and finds them. */
@Service
public class MessageStore {

  private final MessageRepository messages;

  MessageStore(MessageRepository messages) {
    this.messages = messages;
  }

  public Optional<Message> find(String messageId) {
    return messages.find(messageId);
  }

  /**
   * Stores a new message, QUEUED and waiting in its room, with the room's next sequence.
   *
   * @return the message as stored: its room's instance may take it in the same transaction, but
   *     that is not in this answer
   * @throws org.springframework.dao.DuplicateKeyException a message with its id exists
   */
  public Message store(NewMessage m, long sequence) {
    Instant acceptedAt = Instant.now();
    messages.insert(m, sequence, acceptedAt);
    return new Message(
        m.messageId(), m.roomId(), sequence, m.channel(), m.to(), m.body(), m.fallbackEmail(),
        MessageStatus.QUEUED, 0, null, acceptedAt, null, null, null, null, null);
  }
}
