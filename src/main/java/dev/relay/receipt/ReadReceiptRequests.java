package dev.relay.receipt;

import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.Size;

/** Request bodies and id rules of API.md §3. */
final class ReadReceiptRequests {

  /** User, device and room ids: 1..128 chars of the API's id alphabet. */
  static final String ID = "[A-Za-z0-9._:-]{1,128}";

  static final String ID_MESSAGE = "must be 1..128 chars of A-Z a-z 0-9 . _ : -";

  private ReadReceiptRequests() {}

  /** PUT /api/users/{userId}/devices/{deviceId}. */
  record RegisterDevice(
      @NotNull
          @Size(max = 2048)
          @Pattern(regexp = "https?://[^\\s/?#]+[^\\s]*", message = "must be an http(s) URL")
          String pushUrl) {}

  /** POST /api/rooms/{roomId}/read. */
  record Read(
      @NotNull @Pattern(regexp = ID, message = ID_MESSAGE) String userId,
      @NotNull @Pattern(regexp = ID, message = ID_MESSAGE) String deviceId,
      @NotNull @Positive Long upToSequence) {}
}
