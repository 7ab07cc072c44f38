package dev.relay.intake;

import dev.relay.channel.KnownChannel;
import dev.relay.delivery.NewMessage;
import jakarta.validation.constraints.Email;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

/** The intake body of API.md §1. */
record SendMessageRequest(
    @NotNull @Size(min = 1, max = 128) @Pattern(regexp = ID, message = ID_MESSAGE) String messageId,
    @NotNull @Size(min = 1, max = 128) @Pattern(regexp = ID, message = ID_MESSAGE) String roomId,
    @NotNull @KnownChannel String channel,
    @NotNull @Size(min = 1, max = 256) String to,
    @NotNull @Size(min = 1, max = 65536) String body,
    @Size(max = 320) @Email(regexp = ".+@.+\\..+") String fallbackEmail) {

  static final String ID = "[A-Za-z0-9._:-]*";
  static final String ID_MESSAGE = "may only contain A-Z a-z 0-9 . _ : -";

  NewMessage toNewMessage() {
    return new NewMessage(messageId, roomId, channel, to, body, fallbackEmail);
  }
}
