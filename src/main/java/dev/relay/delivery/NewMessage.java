package dev.relay.delivery;

/** A validated intake request. */
public record NewMessage(
    String messageId, String roomId, String channel, String to, String body, String fallbackEmail) {}
