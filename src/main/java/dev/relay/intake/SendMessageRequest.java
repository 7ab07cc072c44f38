package dev.relay.intake;

import dev.relay.channel.KnownChannel;
import dev.relay.delivery.NewMessage;
import dev.relay.web.ResourceId;
import jakarta.validation.constraints.Email;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;

/** The intake body of API.md §1. */
record SendMessageRequest(
    @NotNull @ResourceId String messageId,
    @NotNull @ResourceId String roomId,
    @NotNull @KnownChannel String channel,
    @NotNull @Size(min = 1, max = 256) String to,
    @NotNull @Size(min = 1, max = 65536) String body,
    @Size(max = 320) @Email(regexp = ".+@.+\\..+") String fallbackEmail) {

  NewMessage toNewMessage() {
    return new NewMessage(messageId, roomId, channel, to, body, fallbackEmail);
  }
}
