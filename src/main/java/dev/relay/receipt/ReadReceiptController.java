package dev.relay.receipt;

import dev.relay.web.BadRequestException;
import dev.relay.web.FieldError;
import dev.relay.web.NotFoundException;
import dev.relay.web.ResourceId;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import jakarta.validation.Valid;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/** Devices, read reports and read pointers (API.md §3). */
@RestController
class ReadReceiptController {

  private final ReadSyncs syncs;
  private final PushTargets targets;

  ReadReceiptController(ReadSyncs syncs, PushTargets targets) {
    this.syncs = syncs;
    this.targets = targets;
  }

  @Operation(summary = "Register a user's device and where its receipts are pushed")
  @ApiResponse(responseCode = "204", description = "Registered")
  @ApiResponse(responseCode = "400", description = "A bad id, or a push URL that is not allowed")
  @PutMapping(path = "/api/users/{userId}/devices/{deviceId}", consumes = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<Void> registerDevice(
      @PathVariable String userId,
      @PathVariable String deviceId,
      @Valid @RequestBody ReadReceiptRequests.RegisterDevice request) {
    requireIds(Map.entry("userId", userId), Map.entry("deviceId", deviceId));
    requireAllowed(request.pushUrl());
    syncs.registerDevice(userId, deviceId, request.pushUrl());
    return ResponseEntity.noContent().build();
  }

  @Operation(summary = "Report a room read on a device: starts the read-receipt sync")
  @ApiResponse(responseCode = "202", description = "The sync, started", useReturnTypeSchema = true)
  @ApiResponse(responseCode = "400", description = "A bad field, or a device the user has not registered")
  @PostMapping(
      path = "/api/rooms/{roomId}/read",
      consumes = MediaType.APPLICATION_JSON_VALUE,
      produces = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<SyncStarted> read(
      @PathVariable String roomId, @Valid @RequestBody ReadReceiptRequests.Read request) {
    requireIds(Map.entry("roomId", roomId));
    ReadSync sync =
        syncs
            .start(roomId, request.userId(), request.deviceId(), request.upToSequence())
            .orElseThrow(
                () ->
                    new BadRequestException(
                        "deviceId", "is not a registered device of user " + request.userId()));
    return ResponseEntity.status(HttpStatus.ACCEPTED)
        .location(URI.create("/api/read-syncs/" + sync.syncId()))
        .body(new SyncStarted(sync.syncId(), sync.status()));
  }

  @Operation(summary = "A read-receipt sync's steps")
  @ApiResponse(responseCode = "200", description = "The sync view", useReturnTypeSchema = true)
  @ApiResponse(responseCode = "404", description = "No such sync")
  @GetMapping(path = "/api/read-syncs/{syncId}", produces = MediaType.APPLICATION_JSON_VALUE)
  ReadSyncView sync(@PathVariable String syncId) {
    return syncs.view(syncId).orElseThrow(() -> new NotFoundException("No read sync " + syncId));
  }

  @Operation(summary = "The user's cloud read pointer for the room (0 if never read)")
  @GetMapping(path = "/api/users/{userId}/rooms/{roomId}/read", produces = MediaType.APPLICATION_JSON_VALUE)
  ReadPointer pointer(@PathVariable String userId, @PathVariable String roomId) {
    return new ReadPointer(syncs.pointer(userId, roomId));
  }

  private void requireAllowed(String pushUrl) {
    try {
      targets.check(pushUrl);
    } catch (PushTargets.RefusedException refused) {
      throw new BadRequestException("pushUrl", refused.getMessage());
    } catch (UnknownHostException unknown) {
      throw new BadRequestException("pushUrl", "names a host that does not resolve");
    }
  }

  /** Path ids follow the same rule as ids in bodies. */
  @SafeVarargs
  private static void requireIds(Map.Entry<String, String>... ids) {
    List<FieldError> errors =
        Arrays.stream(ids)
            .filter(id -> !ResourceId.Validator.isId(id.getValue()))
            .map(id -> new FieldError(id.getKey(), ResourceId.MESSAGE))
            .toList();
    if (!errors.isEmpty()) {
      throw new BadRequestException(errors);
    }
  }

  record SyncStarted(String syncId, SyncStatus status) {}

  record ReadPointer(long upToSequence) {}
}
