package dev.relay.web;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.web.servlet.WebMvcProperties;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Component;
import org.springframework.web.context.request.async.AsyncRequestTimeoutException;
import org.springframework.web.servlet.HandlerExceptionResolver;
import org.springframework.web.servlet.HandlerMapping;

/**
 * Answers a request once its work is done, from the thread that finishes the work, without
 * holding a request thread meanwhile. A handler that returns the work's future instead is
 * answered by a second pass of the request through Tomcat, every filter, the handler lookup and
 * Spring MVC's dispatch: an eighth of a node's CPU at 100 intakes a second, of which writing the
 * answer here saves two thirds (docs/benchmarks.md, session 30). The wait is bounded as Spring MVC
 * bounds its asynchronous requests ({@code spring.mvc.async.request-timeout}). A failure, and a
 * request still waiting when that ends (503), are answered by the application's exception
 * handlers ({@link ProblemHandler}), as a handler's own exception would be.
 */
@Component
public class AsyncAnswers {

  private static final Logger log = LoggerFactory.getLogger(AsyncAnswers.class);

  private final ObjectMapper json;
  private final HandlerExceptionResolver problems;
  private final Duration timeout;

  AsyncAnswers(
      ObjectMapper json,
      @Qualifier("handlerExceptionResolver") HandlerExceptionResolver problems,
      WebMvcProperties mvc) {
    this.json = json;
    this.problems = problems;
    this.timeout = mvc.getAsync().getRequestTimeout();
  }

  /**
   * Answers with the entity the work gives (its body as JSON), or with the problem its failure
   * maps to. For a handler that returns nothing and takes the request and the response.
   */
  public void answer(
      HttpServletRequest request,
      HttpServletResponse response,
      CompletableFuture<? extends ResponseEntity<?>> work) {
    if (work.isDone()) {
      write(request, response, work);
      return;
    }
    AsyncContext waiting = request.startAsync(request, response);
    if (timeout != null) { // Spring MVC's own for its asynchronous requests; none: the container's
      waiting.setTimeout(timeout.toMillis());
    }
    AtomicBoolean answered = new AtomicBoolean();
    waiting.addListener(
        new AsyncListener() {
          @Override
          public void onTimeout(AsyncEvent event) {
            if (answered.compareAndSet(false, true)) {
              fail(request, response, new AsyncRequestTimeoutException());
              waiting.complete();
            }
          }

          @Override
          public void onError(AsyncEvent event) {
            if (answered.compareAndSet(false, true)) {
              waiting.complete();
            }
          }

          @Override
          public void onComplete(AsyncEvent event) {}

          @Override
          public void onStartAsync(AsyncEvent event) {}
        });
    work.whenComplete(
        (entity, failure) -> {
          if (answered.compareAndSet(false, true)) {
            try {
              write(request, response, work);
            } finally {
              waiting.complete();
            }
          }
        });
  }

  private void write(
      HttpServletRequest request,
      HttpServletResponse response,
      CompletableFuture<? extends ResponseEntity<?>> done) {
    ResponseEntity<?> entity;
    try {
      entity = done.join();
    } catch (CompletionException | CancellationException failed) {
      fail(request, response, failed.getCause() == null ? failed : failed.getCause());
      return;
    }
    try {
      response.setStatus(entity.getStatusCode().value());
      entity.getHeaders().forEach((name, values) -> values.forEach(v -> response.addHeader(name, v)));
      if (entity.getBody() != null) {
        byte[] body = json.writeValueAsBytes(entity.getBody());
        response.setContentType(MediaType.APPLICATION_JSON_VALUE);
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
      }
    } catch (IOException unwritten) { // the client went away: nothing to answer
      log.debug("Answer not written: {}", unwritten.toString());
    }
  }

  private void fail(HttpServletRequest request, HttpServletResponse response, Throwable failure) {
    Exception exception =
        failure instanceof Exception e ? e : new IllegalStateException("the work failed", failure);
    // as the DispatcherServlet does before its resolvers: a problem is not the success's JSON
    request.removeAttribute(HandlerMapping.PRODUCIBLE_MEDIA_TYPES_ATTRIBUTE);
    if (problems.resolveException(request, response, null, exception) == null) {
      log.error("No answer for a failed request; 500", failure);
      response.setStatus(HttpServletResponse.SC_INTERNAL_SERVER_ERROR);
    }
  }
}
