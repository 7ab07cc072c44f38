package dev.relay.intake;

import dev.relay.delivery.Message;
import dev.relay.delivery.MessageView;
import dev.relay.delivery.MessageViews;
import dev.relay.web.ConflictException;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.validation.Valid;
import java.net.URI;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/** Intake over REST (API.md §1). */
@RestController
class IntakeController {

  private final IntakeService intake;
  private final MessageViews views;
  private final MeterRegistry meters;

  IntakeController(IntakeService intake, MessageViews views, MeterRegistry meters) {
    this.intake = intake;
    this.views = views;
    this.meters = meters;
  }

  @PostMapping(
      path = "/api/messages",
      consumes = MediaType.APPLICATION_JSON_VALUE,
      produces = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<MessageView> send(@Valid @RequestBody SendMessageRequest request) {
    IntakeService.Intake result = intake.accept(request.toNewMessage());
    Message message = result.message();
    return switch (result.kind()) {
      case ACCEPTED -> {
        AcceptedMessages.count(meters, message.channel(), "rest");
        yield ResponseEntity.status(HttpStatus.ACCEPTED)
              .location(URI.create("/api/messages/" + message.messageId()))
              .body(views.ofJustAccepted(message));
      }
      case REPEATED -> ResponseEntity.ok(views.of(message));
      case CONFLICT -> throw new ConflictException(result.conflict());
    };
  }
}
