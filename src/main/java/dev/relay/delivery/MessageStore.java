package dev.relay.delivery;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
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

  /** Those of the messages that are stored, by id: one statement for a batch. */
  public Map<String, Message> findAll(Collection<String> messageIds) {
    return messages.findAll(messageIds).stream()
        .collect(Collectors.toMap(Message::messageId, Function.identity()));
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
    return queued(m, sequence, acceptedAt);
  }

  /**
   * {@link #store} for several messages in one JDBC batch.
   *
   * @param sequences each message's sequence, in the same order
   */
  public List<Message> storeAll(List<NewMessage> batch, List<Long> sequences) {
    Instant acceptedAt = Instant.now();
    messages.insertAll(batch, sequences, acceptedAt);
    List<Message> stored = new ArrayList<>(batch.size());
    for (int i = 0; i < batch.size(); i++) {
      stored.add(queued(batch.get(i), sequences.get(i), acceptedAt));
    }
    return stored;
  }

  private static Message queued(NewMessage m, long sequence, Instant acceptedAt) {
    return new Message(
        m.messageId(), m.roomId(), sequence, m.channel(), m.to(), m.body(), m.fallbackEmail(),
        MessageStatus.QUEUED, 0, null, acceptedAt, null, null, null, null, null);
  }
}
