package dev.relay.web;

import jakarta.validation.ConstraintViolation;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/** A 400 naming the bad fields. */
public class BadRequestException extends RuntimeException {

  private final List<FieldError> errors;

  public BadRequestException(List<FieldError> errors) {
    super("Invalid request: " + errors);
    this.errors = List.copyOf(errors);
  }

  public BadRequestException(String field, String message) {
    this(List.of(new FieldError(field, message)));
  }

  public static BadRequestException of(Set<? extends ConstraintViolation<?>> violations) {
    return new BadRequestException(
        violations.stream()
            .map(v -> new FieldError(v.getPropertyPath().toString(), v.getMessage()))
            .sorted(Comparator.comparing(FieldError::field))
            .toList());
  }

  public List<FieldError> errors() {
    return errors;
  }
}
