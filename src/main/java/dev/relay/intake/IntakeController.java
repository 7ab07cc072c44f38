package dev.relay.intake;

import dev.relay.delivery.Message;
import dev.relay.delivery.MessageView;
import dev.relay.delivery.MessageViews;
import dev.relay.web.AsyncAnswers;
import dev.relay.web.ConflictException;
import io.micrometer.core.instrument.MeterRegistry;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
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
  private final AsyncAnswers answers;

  IntakeController(
      IntakeService intake, MessageViews views, MeterRegistry meters, AsyncAnswers answers) {
    this.intake = intake;
    this.views = views;
    this.meters = meters;
    this.answers = answers;
  }

  @Operation(summary = "Send a message", description = "API.md §1: messageId is the idempotency key")
  @ApiResponse(
      responseCode = "202",
      description = "A new message, accepted",
      content = @Content(schema = @Schema(implementation = MessageView.class)))
  @ApiResponse(
      responseCode = "200",
      description = "The same messageId and content again: the current view, nothing sent twice",
      content = @Content(schema = @Schema(implementation = MessageView.class)))
  @ApiResponse(responseCode = "400", description = "Malformed JSON, a missing or bad field, an unknown channel")
  @ApiResponse(responseCode = "409", description = "The same messageId with other content; nothing changed")
  @PostMapping(
      path = "/api/messages",
      consumes = MediaType.APPLICATION_JSON_VALUE,
      produces = MediaType.APPLICATION_JSON_VALUE)
  void send(
      @Valid @RequestBody SendMessageRequest request,
      HttpServletRequest http,
      HttpServletResponse response) {
    // answered once stored, from the intake's threads: this request thread is free meanwhile
    answers.answer(http, response, intake.accept(request.toNewMessage()).thenApply(this::answer));
  }

  private ResponseEntity<MessageView> answer(IntakeService.Intake result) {
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
