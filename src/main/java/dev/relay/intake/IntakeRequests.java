package dev.relay.intake;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relay.delivery.NewMessage;
import dev.relay.web.BadRequestException;
import dev.relay.web.FieldError;
import jakarta.validation.Validator;
import java.io.IOException;
import java.util.List;

/**
 * Reads an intake request that did not come over HTTP (a Kafka record's value) exactly as {@code
 * POST /api/messages} reads its body: the application's ObjectMapper (strict JSON), then the bean
 * validation of {@link SendMessageRequest}, with the same field errors.
 */
class IntakeRequests {

  /** A request read: the message, or why it is refused (400). */
  record Read(NewMessage message, List<FieldError> errors) {
    boolean valid() {
      return errors.isEmpty();
    }
  }

  private final ObjectMapper json;
  private final Validator validator;

  IntakeRequests(ObjectMapper json, Validator validator) {
    this.json = json;
    this.validator = validator;
  }

  Read read(byte[] body) {
    SendMessageRequest request;
    try {
      request = json.readValue(body == null ? new byte[0] : body, SendMessageRequest.class);
    } catch (IOException unreadable) {
      return refused(List.of(FieldError.fromJson(unreadable)));
    }
    if (request == null) { // the document is JSON's null: REST finds no body
      return refused(List.of(new FieldError("$", "malformed JSON")));
    }
    var violations = validator.validate(request);
    if (!violations.isEmpty()) {
      return refused(BadRequestException.of(violations).errors());
    }
    return new Read(request.toNewMessage(), List.of());
  }

  private static Read refused(List<FieldError> errors) {
    return new Read(null, errors);
  }
}
