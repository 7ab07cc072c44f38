package dev.relay.receipt;

import dev.relay.web.ResourceId;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.Size;

/** Request bodies of API.md §3. */
final class ReadReceiptRequests {

  private ReadReceiptRequests() {}

  /** PUT /api/users/{userId}/devices/{deviceId}. */
  record RegisterDevice(
      @NotNull
          @Size(max = 2048)
          @Pattern(regexp = "https?://[^\\s/?#]+[^\\s]*", message = "must be an http(s) URL")
          String pushUrl) {}

  /** POST /api/rooms/{roomId}/read. */
  record Read(
      @NotNull @ResourceId String userId,
      @NotNull @ResourceId String deviceId,
      @NotNull @Positive Long upToSequence) {}
}
