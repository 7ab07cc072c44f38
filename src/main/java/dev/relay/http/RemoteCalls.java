package dev.relay.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import feign.Client;
import feign.Feign;
import feign.FeignException;
import feign.Request;
import feign.Response;
import feign.RetryableException;
import feign.Retryer;
import feign.jackson.JacksonDecoder;
import feign.jackson.JacksonEncoder;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Calls to one kind of remote service (the providers, the users' devices) through Feign, all set
 * up alike: HTTP/1.1 on the JDK's {@code HttpURLConnection}, one timeout for connecting and for
 * each read, JSON by Jackson, no redirects, and no retries of Feign's own: retries belong to the
 * engine's jobs, where they are visible in Cockpit and survive a node's death.
 *
 * <p>The call blocks its (job) thread and reads the answer there, on a connection kept alive
 * (up to {@code http.maxConnections} idle per server, {@code RelayApplication}). The JDK's
 * asynchronous {@code HttpClient}, used before, handed every call between the caller, its selector
 * thread and an executor: ~0.5 ms more of a node's CPU per message (docs/benchmarks.md, session
 * 12). A request on a kept-alive connection that the server had just closed is sent once more on
 * a new one, before any answer (the JDK's rule for a buffered body): harmless to a provider, which
 * knows the call by its Idempotency-Key; a device may see that push twice, as after a job's retry.
 *
 * <p>Every failure comes out as a {@link RemoteCallException}, sorted by one rule (API.md §4):
 * 429, 5xx and no usable answer at all are worth another try; any other answer that is not 2xx
 * is final.
 */
public final class RemoteCalls {

  /** How much of an error answer's body goes into the failure's message. */
  private static final int DETAIL_CHARS = 300;

  private final String peer;
  private final Request.Options options;
  private final ObjectMapper json;

  /**
   * @param peer what is called, for the failures' messages: "provider answered 503: …"
   * @param timeout connect and read timeout of each call
   */
  public RemoteCalls(String peer, Duration timeout, ObjectMapper json) {
    this.peer = peer;
    this.options =
        new Request.Options(
            timeout.toMillis(), TimeUnit.MILLISECONDS, timeout.toMillis(), TimeUnit.MILLISECONDS,
            false);
    this.json = json;
  }

  /** A Feign builder set up as described above; the caller only names its target. */
  public Feign.Builder feign() {
    return Feign.builder()
        // the JDK's TLS set-up; the body buffered, else a 401's answer would be unreadable
        .client(new Client.Default(null, null, false))
        .encoder(new JacksonEncoder(json))
        .decoder(new JacksonDecoder(json))
        .options(options)
        .errorDecoder(this::answered)
        .retryer(Retryer.NEVER_RETRY);
  }

  /**
   * One call of a client {@link #feign()} built.
   *
   * @return what the call returned
   * @throws RemoteCallException for anything but a 2xx answer that could be read
   */
  public <T> T call(Supplier<T> request) {
    try {
      return request.get();
    } catch (RetryableException unreachable) {
      // connection refused, timeouts: Feign's own retries are off, the engine's job retries
      throw new RemoteCallException(
          peer + " unreachable: " + unreachable.getMessage(), true, null, unreachable);
    } catch (FeignException undecodable) {
      throw new RemoteCallException(
          peer + " answer not understood: " + undecodable.getMessage(), true, null, undecodable);
    }
  }

  /** As {@link #call(Supplier)}, for a call that returns nothing. */
  public void run(Runnable request) {
    call(
        () -> {
          request.run();
          return null;
        });
  }

  /** Feign's error decoder: sorts an answer that is not 2xx, keeping Retry-After. */
  private Exception answered(String methodKey, Response response) {
    int status = response.status();
    String detail = peer + " answered " + status + body(response);
    boolean worthAnotherTry = status == 429 || status >= 500;
    return new RemoteCallException(
        detail, worthAnotherTry, worthAnotherTry ? retryAfter(response.headers()) : null, null);
  }

  private static String body(Response response) {
    if (response.body() == null) {
      return "";
    }
    try (Reader reader = response.body().asReader(StandardCharsets.UTF_8)) {
      char[] start = new char[DETAIL_CHARS];
      int read = reader.read(start);
      return read > 0 ? ": " + new String(start, 0, read) : "";
    } catch (IOException unreadable) {
      return "";
    }
  }

  /** Retry-After in seconds (RFC 9110 also allows a date; the services we call send seconds). */
  static Duration retryAfter(Map<String, Collection<String>> headers) {
    Collection<String> values =
        headers.entrySet().stream()
            .filter(h -> h.getKey().equalsIgnoreCase("retry-after"))
            .map(Map.Entry::getValue)
            .findFirst()
            .orElse(List.of());
    if (values.isEmpty()) {
      return null;
    }
    try {
      long seconds = Long.parseLong(values.iterator().next().trim());
      return seconds > 0 ? Duration.ofSeconds(seconds) : null;
    } catch (NumberFormatException notSeconds) {
      return null;
    }
  }
}
