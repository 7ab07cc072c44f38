package dev.relay.logs;

import org.slf4j.MDC;

/**
 * The message a thread works on, named in every line it logs meanwhile: the MDC keys
 * {@value #MESSAGE_ID} and {@value #ROOM_ID}, which the log pattern prints
 * ({@code logging.pattern.correlation} in application.yml). Work on a message runs inside a
 * {@link Scope}; closing it restores what the thread had before, so pooled threads (job executor,
 * Tomcat, Kafka consumers) never carry a message's ids into their next work, and a scope opened
 * inside another one leaves the outer one's ids as they were.
 */
public final class MessageLog {

  public static final String MESSAGE_ID = "messageId";
  public static final String ROOM_ID = "roomId";

  private static final ThreadLocal<int[]> OPEN_SCOPES = ThreadLocal.withInitial(() -> new int[1]);

  private MessageLog() {}

  /** A scope for work that learns its message on the way ({@link #identify}), e.g. a callback. */
  public static Scope open() {
    return new Scope();
  }

  /** A scope for work on this message. */
  public static Scope open(String messageId, String roomId) {
    Scope scope = new Scope();
    identify(messageId, roomId);
    return scope;
  }

  /**
   * Names the message in the innermost open scope. Outside any scope it does nothing: nothing
   * would clear the ids again.
   */
  public static void identify(String messageId, String roomId) {
    if (OPEN_SCOPES.get()[0] > 0) {
      put(MESSAGE_ID, messageId);
      put(ROOM_ID, roomId);
    }
  }

  private static void put(String key, String value) {
    if (value == null) {
      MDC.remove(key);
    } else {
      MDC.put(key, value);
    }
  }

  /** Work on one message; close it (try-with-resources) when the work is done, failed or not. */
  public static final class Scope implements AutoCloseable {

    private final String outerMessageId = MDC.get(MESSAGE_ID);
    private final String outerRoomId = MDC.get(ROOM_ID);

    private Scope() {
      OPEN_SCOPES.get()[0]++;
    }

    @Override
    public void close() {
      int[] open = OPEN_SCOPES.get();
      if (--open[0] == 0) {
        OPEN_SCOPES.remove();
      }
      put(MESSAGE_ID, outerMessageId);
      put(ROOM_ID, outerRoomId);
    }
  }
}
