package dev.relay.room;

import dev.relay.web.NotFoundException;
import org.springframework.http.MediaType;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** The room view (API.md §2) and the operators' repair action. */
@RestController
@RequestMapping(path = "/api/rooms", produces = MediaType.APPLICATION_JSON_VALUE)
class RoomController {

  private final RoomTurns turns;

  RoomController(RoomTurns turns) {
    this.turns = turns;
  }

  @GetMapping("/{roomId}")
  RoomView get(@PathVariable String roomId) {
    return turns.view(roomId).orElseThrow(() -> new NotFoundException("No room " + roomId));
  }

  /**
   * Frees the room if its turn holder's delivery is gone and wakes the next waiting message.
   * Harmless on a healthy room.
   */
  @PostMapping("/{roomId}/repair")
  @Transactional
  RoomView repair(@PathVariable String roomId) {
    if (turns.view(roomId).isEmpty()) {
      throw new NotFoundException("No room " + roomId);
    }
    turns.repair(roomId);
    return turns.view(roomId).orElseThrow();
  }
}
