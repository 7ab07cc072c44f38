package dev.relay.room;

import dev.relay.web.NotFoundException;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** The room view (API.md §2). */
@RestController
@RequestMapping(path = "/api/rooms", produces = MediaType.APPLICATION_JSON_VALUE)
class RoomController {

  private final RoomQueue queue;

  RoomController(RoomQueue queue) {
    this.queue = queue;
  }

  @Operation(summary = "A room's turn and queue")
  @ApiResponse(responseCode = "200", description = "The room view", useReturnTypeSchema = true)
  @ApiResponse(responseCode = "404", description = "No such room")
  @GetMapping("/{roomId}")
  RoomView get(@PathVariable String roomId) {
    return queue.view(roomId).orElseThrow(() -> new NotFoundException("No room " + roomId));
  }
}
