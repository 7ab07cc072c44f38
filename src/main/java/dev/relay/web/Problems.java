package dev.relay.web;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.stream.Collectors;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;

/**
 * The problem+json bodies (RFC 9457) of Relay's API, built in one place: for the REST answers
 * ({@link ProblemHandler}), for filters that answer before Spring MVC, and for input that arrives
 * another way and is refused the same way (a Kafka record sent to the dead-letter topic carries
 * the body its POST would have got).
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
    problem.setType(type(type));
    return problem;
  }

  /** The {@code type} URI of one of Relay's problems, e.g. "not-found". */
  static URI type(String name) {
    return URI.create("https://relay.dev/problems/" + name);
  }

  static void write(HttpServletResponse response, ProblemDetail problem, ObjectMapper json)
      throws IOException {
    response.setStatus(problem.getStatus());
    response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
    json.writeValue(response.getOutputStream(), problem);
  }
}
