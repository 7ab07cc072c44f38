package dev.relay.delivery;

import dev.relay.timeline.Timeline;
import dev.relay.web.ConflictException;
import dev.relay.web.NotFoundException;
import jakarta.validation.Valid;
import java.net.URI;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** Intake and message views (API.md §1, §2). */
@RestController
@RequestMapping(path = "/api/messages", produces = MediaType.APPLICATION_JSON_VALUE)
class MessageController {

  private final IntakeService intake;
  private final MessageRepository messages;
  private final Timeline timeline;

  MessageController(IntakeService intake, MessageRepository messages, Timeline timeline) {
    this.intake = intake;
    this.messages = messages;
    this.timeline = timeline;
  }

  @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<MessageView> send(@Valid @RequestBody SendMessageRequest request) {
    IntakeService.Intake result = intake.accept(request.toNewMessage());
    Message message = result.message();
    return switch (result.kind()) {
      case ACCEPTED ->
          ResponseEntity.status(HttpStatus.ACCEPTED)
              .location(URI.create("/api/messages/" + message.messageId()))
              .body(view(message));
      case REPEATED -> ResponseEntity.ok(view(message));
      case CONFLICT ->
          throw new ConflictException(
              "Message " + message.messageId() + " was already accepted with other content");
    };
  }

  @GetMapping("/{messageId}")
  MessageView get(@PathVariable String messageId) {
    return messages
        .find(messageId)
        .map(this::view)
        .orElseThrow(() -> new NotFoundException("No message " + messageId));
  }

  private MessageView view(Message message) {
    return MessageView.of(message, timeline.of(message.messageId()));
  }
}
