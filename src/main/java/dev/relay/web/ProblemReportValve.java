package dev.relay.web;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.coyote.ActionCode;
import org.springframework.http.HttpStatus;

/**
 * Tomcat's own error answers (a URL it cannot decode, a request line it refuses: errors found
 * before any servlet runs) as problem+json instead of Tomcat's HTML page, which also named the
 * server's version. Public with a no-argument constructor: Tomcat makes it from its class name
 * ({@link TomcatProblems}).
 */
public class ProblemReportValve extends ErrorReportValve {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Override
  protected void report(Request request, Response response, Throwable throwable) {
    int status = response.getStatus();
    if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
      return;
    }
    AtomicBoolean ioAllowed = new AtomicBoolean(true);
    response.getCoyoteResponse().action(ActionCode.IS_IO_ALLOWED, ioAllowed);
    if (!ioAllowed.get()) {
      return;
    }
    HttpStatus known = HttpStatus.resolve(status);
    String title = known == null ? "Error" : known.getReasonPhrase();
    Map<String, Object> problem = new LinkedHashMap<>();
    problem.put("type", "https://relay.dev/problems/" + (status == 400 ? "malformed-request" : "http-" + status));
    problem.put("title", title);
    problem.put("status", status);
    problem.put(
        "detail",
        status == 400 ? "The request could not be understood (malformed URL or request line)" : title);
    try {
      response.setContentType("application/problem+json");
      response.setCharacterEncoding("UTF-8");
      PrintWriter writer = response.getReporter(); // null when the response may not be written
      if (writer != null) {
        writer.write(JSON.writeValueAsString(problem));
        response.finishResponse();
      }
    } catch (IOException | IllegalStateException ignored) {
      // the client went away: nothing to tell it
    }
  }
}
