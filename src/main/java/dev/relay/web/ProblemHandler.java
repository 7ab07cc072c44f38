package dev.relay.web;

import java.util.Comparator;
import java.util.List;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.transaction.CannotCreateTransactionException;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * Every error of our API as application/problem+json (RFC 9457); validation problems carry an
 * {@code errors} array of {field, message}.
 */
@RestControllerAdvice(basePackages = "dev.relay")
class ProblemHandler extends ResponseEntityExceptionHandler {

  @ExceptionHandler(BadRequestException.class)
  ProblemDetail badRequest(BadRequestException e) {
    return Problems.invalid(e.errors());
  }

  @ExceptionHandler(NotFoundException.class)
  ProblemDetail notFound(NotFoundException e) {
    return Problems.problem(HttpStatus.NOT_FOUND, "Not found", e.getMessage(), "not-found");
  }

  @ExceptionHandler(ConflictException.class)
  ProblemDetail conflict(ConflictException e) {
    return Problems.conflict(e.getMessage());
  }

  /** Overload (no connection in time, lock timeouts): try again, nothing was stored. */
  @ExceptionHandler({CannotCreateTransactionException.class, TransientDataAccessException.class})
  ResponseEntity<ProblemDetail> unavailable(RuntimeException e) {
    return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
        .header(HttpHeaders.RETRY_AFTER, "1")
        .body(
            Problems.problem(
                HttpStatus.SERVICE_UNAVAILABLE,
                "Busy",
                "Relay is overloaded; nothing was stored, try again",
                "unavailable"));
  }

  @Override
  protected ResponseEntity<Object> handleMethodArgumentNotValid(
      MethodArgumentNotValidException e, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
    List<FieldError> errors =
        e.getBindingResult().getFieldErrors().stream()
            .map(f -> new FieldError(f.getField(), f.getDefaultMessage()))
            .sorted(Comparator.comparing(FieldError::field))
            .toList();
    return ResponseEntity.badRequest().body(Problems.invalid(errors));
  }

  @Override
  protected ResponseEntity<Object> handleHttpMessageNotReadable(
      HttpMessageNotReadableException e, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
    return ResponseEntity.badRequest().body(Problems.invalid(List.of(Problems.unreadable(e.getCause()))));
  }
}
