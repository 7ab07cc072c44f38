package dev.relay.channel;

/**
 * The messages whose next provider call a channel's circuit or rate limit holds back right now:
 * the {@code waiting} of the channel view. Counted where the messages are kept.
 */
public interface HeldCalls {

  long count(String channel);
}
