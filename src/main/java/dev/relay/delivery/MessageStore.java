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
   * @throws org.springframework.dao.DuplicateKeyException a message with its id exists
   */
  public void store(NewMessage m, long sequence) {
    messages.insert(m, sequence, Instant.now());
  }
}
