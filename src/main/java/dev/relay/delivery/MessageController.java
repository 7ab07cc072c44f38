package dev.relay.delivery;

import dev.relay.web.NotFoundException;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** The message view (API.md §2). */
@RestController
@RequestMapping(path = "/api/messages", produces = MediaType.APPLICATION_JSON_VALUE)
class MessageController {

  private final MessageRepository messages;
  private final MessageViews views;

  MessageController(MessageRepository messages, MessageViews views) {
    this.messages = messages;
    this.views = views;
  }

  @Operation(summary = "A message's status and timeline")
  @ApiResponse(responseCode = "200", description = "The message view", useReturnTypeSchema = true)
  @ApiResponse(responseCode = "404", description = "No such message")
  @GetMapping("/{messageId}")
  MessageView get(@PathVariable String messageId) {
    return messages
        .find(messageId)
        .map(views::of)
        .orElseThrow(() -> new NotFoundException("No message " + messageId));
  }
}
