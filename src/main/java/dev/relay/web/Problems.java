package dev.relay.web;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;

/** Problem bodies (RFC 9457) of Relay's API, also for filters that answer before Spring MVC. */
final class Problems {

  private Problems() {}

  static ProblemDetail of(HttpStatus status, String title, String detail, String type) {
    ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
    problem.setTitle(title);
    problem.setType(URI.create("https://relay.dev/problems/" + type));
    return problem;
  }

  static void write(HttpServletResponse response, ProblemDetail problem, ObjectMapper json)
      throws IOException {
    response.setStatus(problem.getStatus());
    response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
    json.writeValue(response.getOutputStream(), problem);
  }
}
