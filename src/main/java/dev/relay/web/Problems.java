package dev.relay.web;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;

/**
 * The problem+json bodies (RFC 9457) of Relay's API, built in one place: for the REST answers
 * ({@link ProblemHandler}) and for input that arrives another way and is refused the same way (a
 * Kafka record sent to the dead-letter topic carries the body its POST would have got).
 */
public final class Problems {

  private static final URI VALIDATION = URI.create("https://relay.dev/problems/validation");

  private Problems() {}

  /** 400: the bad fields, each with why. */
  public static ProblemDetail invalid(List<FieldError> errors) {
    ProblemDetail problem =
        ProblemDetail.forStatusAndDetail(
            HttpStatus.BAD_REQUEST,
            errors.stream().map(f -> f.field() + " " + f.message()).collect(Collectors.joining("; ")));
    problem.setType(VALIDATION);
    problem.setTitle("Invalid request");
    problem.setProperty("errors", errors);
    return problem;
  }

  /** 409: the request contradicts what is stored. */
  public static ProblemDetail conflict(String detail) {
    return problem(HttpStatus.CONFLICT, "Conflict", detail, "conflict");
  }

  static ProblemDetail problem(HttpStatus status, String title, String detail, String type) {
    ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
    problem.setTitle(title);
    problem.setType(URI.create("https://relay.dev/problems/" + type));
    return problem;
  }

  /**
   * The field of a JSON document Jackson could not read, and why: a value of the wrong type, a key
   * given twice, or ({@code $}, the document itself, not to be confused with a message's
   * {@code body}) malformed JSON.
   *
   * @param cause what Jackson threw
   */
  public static FieldError unreadable(Throwable cause) {
    if (cause instanceof MismatchedInputException mismatch && !mismatch.getPath().isEmpty()) {
      return new FieldError(path(mismatch), "has the wrong type");
    }
    if (cause instanceof JsonMappingException mapping && !mapping.getPath().isEmpty()) {
      return new FieldError(path(mapping), "malformed JSON");
    }
    if (cause instanceof JsonParseException parse
        && parse.getOriginalMessage().startsWith("Duplicate field")
        && parse.getProcessor() != null) {
      return new FieldError(path(parse.getProcessor().getParsingContext()), "is given more than once");
    }
    return new FieldError("$", "malformed JSON");
  }

  private static String path(JsonStreamContext context) {
    List<String> names = new ArrayList<>();
    for (JsonStreamContext c = context; c != null && !c.inRoot(); c = c.getParent()) {
      names.add(0, c.inArray() ? "[" + c.getCurrentIndex() + "]" : c.getCurrentName());
    }
    return String.join(".", names);
  }

  private static String path(JsonMappingException e) {
    return e.getPath().stream()
        .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
        .collect(Collectors.joining("."));
  }
}
