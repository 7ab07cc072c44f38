package dev.relay.simulator;

import java.util.List;
import java.util.Map;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * HTTP face of the simulated provider (API.md §4) and its test controls. Any non-blank bearer
 * token is accepted: the simulator checks that Relay authenticates, not with what.
 */
@RestController
@RequestMapping("/simulator")
@ConditionalOnProperty(prefix = "relay.simulator", name = "enabled", havingValue = "true")
class SimulatorController {

  static final String IDEMPOTENCY_KEY = "Idempotency-Key";

  private final ProviderSimulator simulator;
  private final SimulatorBehaviour behaviour;
  private final SimulatorInbox inbox;
  private final SimulatorStats stats;
  private final SimulatorListeners listeners;

  SimulatorController(ProviderSimulator simulator, SimulatorBehaviour behaviour,
      SimulatorInbox inbox, SimulatorStats stats, SimulatorListeners listeners) {
    this.simulator = simulator;
    this.behaviour = behaviour;
    this.inbox = inbox;
    this.stats = stats;
    this.listeners = listeners;
  }

  record MessageRequest(String to, String body, String reference) {}

  record MessageAccepted(String id) {}

  @PostMapping("/{channel:[A-Za-z0-9._-]+}/messages")
  public ResponseEntity<?> send(
      @PathVariable String channel,
      @RequestHeader(value = HttpHeaders.AUTHORIZATION, required = false) String authorization,
      @RequestHeader(value = IDEMPOTENCY_KEY, required = false) String idempotencyKey,
      @RequestBody(required = false) MessageRequest request) {
    if (!isBearer(authorization)) {
      return ResponseEntity.status(HttpStatus.UNAUTHORIZED)
          .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer")
          .body(problem(HttpStatus.UNAUTHORIZED, "Authorization: Bearer <token> is required"));
    }
    if (idempotencyKey == null || idempotencyKey.isBlank()) {
      return badRequest("the Idempotency-Key header is required");
    }
    if (request == null || isBlank(request.to()) || isBlank(request.reference())) {
      return badRequest("the body needs \"to\" and \"reference\"");
    }
    ProviderSimulator.Outcome outcome =
        simulator.receive(channel, idempotencyKey, request.to(), request.body(), request.reference());
    if (outcome instanceof ProviderSimulator.Accepted accepted) {
      return ResponseEntity.ok(new MessageAccepted(accepted.providerMessageId()));
    }
    if (outcome instanceof ProviderSimulator.Throttled throttled) {
      return ResponseEntity.status(HttpStatus.TOO_MANY_REQUESTS)
          .header(HttpHeaders.RETRY_AFTER, Integer.toString(throttled.retryAfterSeconds()))
          .body(problem(HttpStatus.TOO_MANY_REQUESTS, "simulated rate limit"));
    }
    return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
        .body(problem(HttpStatus.SERVICE_UNAVAILABLE, "simulated outage"));
  }

  @GetMapping("/inbox/{to}")
  public List<InboxEntry> inbox(@PathVariable String to) {
    return inbox.entries(to);
  }

  @DeleteMapping("/inbox")
  public ResponseEntity<Void> clearInbox() {
    inbox.clear();
    listeners.inboxCleared();
    return ResponseEntity.noContent().build();
  }

  @GetMapping("/stats")
  public SimulatorStats.Snapshot stats() {
    return stats.snapshot();
  }

  @GetMapping("/behaviour")
  public SimulatorBehaviour.Settings behaviour() {
    return behaviour.current();
  }

  /** Partial update: only the fields present change. */
  @PutMapping("/behaviour")
  public SimulatorBehaviour.Settings updateBehaviour(@RequestBody Map<String, Object> changes) {
    return behaviour.update(changes);
  }

  /** Back to the configured properties. */
  @DeleteMapping("/behaviour")
  public SimulatorBehaviour.Settings resetBehaviour() {
    return behaviour.reset();
  }

  // local handlers: they answer for this controller only and leave the application's own alone

  @ExceptionHandler(HttpMessageNotReadableException.class)
  ResponseEntity<ProblemDetail> unreadable(HttpMessageNotReadableException e) {
    return badRequest("malformed JSON body");
  }

  @ExceptionHandler(IllegalArgumentException.class)
  ResponseEntity<ProblemDetail> invalid(IllegalArgumentException e) {
    return badRequest(e.getMessage());
  }

  private static ResponseEntity<ProblemDetail> badRequest(String detail) {
    return ResponseEntity.badRequest().body(problem(HttpStatus.BAD_REQUEST, detail));
  }

  private static ProblemDetail problem(HttpStatus status, String detail) {
    return ProblemDetail.forStatusAndDetail(status, detail);
  }

  private static boolean isBearer(String authorization) {
    return authorization != null
        && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
        && !authorization.substring(7).isBlank();
  }

  private static boolean isBlank(String s) {
    return s == null || s.isBlank();
  }
}
