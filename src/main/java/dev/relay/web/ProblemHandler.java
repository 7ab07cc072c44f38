package dev.relay.web;

import dev.relay.jdbc.DatabaseOutage;
import java.util.Comparator;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.servlet.resource.NoResourceFoundException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * Every error of our API as application/problem+json (RFC 9457); validation problems carry an
 * {@code errors} array of {field, message}. Not limited to Relay's controllers: a path no
 * controller serves (404), a method or content type it does not take (405, 415) are found before
 * any controller is. Details name fields and rules, never Java classes; an unexpected failure is
 * logged and answered without its message.
 */
@RestControllerAdvice
class ProblemHandler extends ResponseEntityExceptionHandler {

  private static final Logger log = LoggerFactory.getLogger(ProblemHandler.class);

  @ExceptionHandler(BadRequestException.class)
  ProblemDetail badRequest(BadRequestException e) {
    return Problems.invalid(e.errors());
  }

  @ExceptionHandler(NotFoundException.class)
  ProblemDetail notFound(NotFoundException e) {
    return problem(HttpStatus.NOT_FOUND, "Not found", e.getMessage(), "not-found");
  }

  @ExceptionHandler(ConflictException.class)
  ProblemDetail conflict(ConflictException e) {
    return Problems.conflict(e.getMessage());
  }

  @ExceptionHandler(UnauthorizedException.class)
  ProblemDetail unauthorized(UnauthorizedException e) {
    return problem(HttpStatus.UNAUTHORIZED, "Unauthorized", e.getMessage(), "unauthorized");
  }

  @ExceptionHandler(PayloadTooLargeException.class)
  ProblemDetail payloadTooLarge(PayloadTooLargeException e) {
    return tooLarge(e.limit());
  }

  /**
   * No database in time (down, restarting, or every connection busy) or a lock not granted in
   * time: the request did not happen, nothing was stored; the caller tries again.
   */
  @ExceptionHandler(TransientDataAccessException.class)
  ResponseEntity<ProblemDetail> unavailable(TransientDataAccessException e) {
    return unavailable();
  }

  private static ResponseEntity<ProblemDetail> unavailable() {
    return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
        .header(HttpHeaders.RETRY_AFTER, "1")
        .body(
            problem(
                HttpStatus.SERVICE_UNAVAILABLE,
                "Unavailable",
                "Relay could not reach its database in time; nothing was stored, try again",
                "unavailable"));
  }

  /**
   * The database's absence shows through any wrapping (the engine's, MyBatis'): 503. Anything
   * else nobody expected is logged here, its message (class names, SQL) never answered.
   */
  @ExceptionHandler(Exception.class)
  ResponseEntity<ProblemDetail> unexpected(Exception e) {
    if (DatabaseOutage.isCause(e)) {
      log.warn("Request refused, no database: {}", e.toString());
      return unavailable();
    }
    log.error("Request failed", e);
    return ResponseEntity.internalServerError()
        .body(
            problem(
                HttpStatus.INTERNAL_SERVER_ERROR,
                "Internal error",
                "Relay could not answer this request; the failure is in its log",
                "internal"));
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
    for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
      if (cause instanceof PayloadTooLargeException tooLarge) {
        return ResponseEntity.status(HttpStatus.PAYLOAD_TOO_LARGE).body(tooLarge(tooLarge.limit()));
      }
    }
    return ResponseEntity.badRequest().body(Problems.invalid(List.of(FieldError.fromJson(e.getCause()))));
  }

  /** Spring's own answer (with its Allow header), named as Relay's problems are, not about:blank. */
  @Override
  protected ResponseEntity<Object> handleHttpRequestMethodNotSupported(
      HttpRequestMethodNotSupportedException e, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
    name(e.getBody(), "Method not allowed", "method-not-allowed");
    return super.handleHttpRequestMethodNotSupported(e, headers, status, request);
  }

  /** Spring's own answer (with its Accept header listing what is taken), named as Relay's problems are. */
  @Override
  protected ResponseEntity<Object> handleHttpMediaTypeNotSupported(
      HttpMediaTypeNotSupportedException e, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
    name(e.getBody(), "Unsupported media type", "unsupported-media-type");
    return super.handleHttpMediaTypeNotSupported(e, headers, status, request);
  }

  private static void name(ProblemDetail problem, String title, String type) {
    problem.setTitle(title);
    problem.setType(Problems.type(type));
  }

  @Override
  protected ResponseEntity<Object> handleNoResourceFoundException(
      NoResourceFoundException e, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
    return ResponseEntity.status(HttpStatus.NOT_FOUND)
        .body(problem(HttpStatus.NOT_FOUND, "Not found", "No resource at /" + e.getResourcePath(), "not-found"));
  }

  static ProblemDetail tooLarge(long limit) {
    return problem(
        HttpStatus.PAYLOAD_TOO_LARGE,
        "Payload too large",
        "The request body is larger than " + limit + " bytes; nothing was stored",
        "payload-too-large");
  }

  private static ProblemDetail problem(HttpStatus status, String title, String detail, String type) {
    return Problems.problem(status, title, detail, type);
  }
}
