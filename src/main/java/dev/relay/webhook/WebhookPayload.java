package dev.relay.webhook;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.time.OffsetDateTime;
import java.util.List;

/** The body of a status callback (API.md §4). */
record WebhookPayload(@NotNull @NotEmpty List<@NotNull @Valid Status> statuses) {

  record Status(
      @Size(max = 256) String id,
      @Size(max = 128) String reference,
      @NotNull @Pattern(regexp = "sent|delivered|read|failed") String status,
      OffsetDateTime timestamp) {}
}
