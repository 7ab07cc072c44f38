package dev.relay.webhook;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relay.channel.ChannelPolicies;
import dev.relay.delivery.ProviderStatus;
import dev.relay.web.BadRequestException;
import dev.relay.web.FieldError;
import dev.relay.web.NotFoundException;
import dev.relay.web.UnauthorizedException;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validator;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/**
 * Provider status callbacks (API.md §4). The body's size is checked before it is read ({@link
 * WebhookSecurity}), the signature over the raw bytes before anything is parsed; a refused request
 * records nothing, and its 401 says which check failed.
 */
@RestController
class WebhookController {

  private final ChannelPolicies channels;
  private final StatusReceiver receiver;
  private final ObjectMapper json;
  private final Validator validator;

  WebhookController(
      ChannelPolicies channels, StatusReceiver receiver, ObjectMapper json, Validator validator) {
    this.channels = channels;
    this.receiver = receiver;
    this.json = json;
    this.validator = validator;
  }

  @PostMapping("/webhooks/{channel}")
  ResponseEntity<Void> receive(
      @PathVariable String channel,
      @RequestHeader(name = WebhookSignature.HEADER, required = false) String signature,
      @RequestBody(required = false) byte[] body) {
    if (!channels.isKnown(channel)) {
      throw new NotFoundException("No channel named '" + channel + "'");
    }
    byte[] raw = body == null ? new byte[0] : body;
    WebhookSignature.Check check =
        WebhookSignature.check(raw, channels.channel(channel).webhookSecret(), signature);
    if (check != WebhookSignature.Check.VALID) {
      throw new UnauthorizedException(check.problem);
    }
    List<ProviderStatus> statuses =
        parse(raw).statuses().stream()
            .map(
                s ->
                    new ProviderStatus(
                        channel,
                        s.id(),
                        s.reference(),
                        ProviderStatus.Kind.valueOf(s.status().toUpperCase(Locale.ROOT)),
                        s.timestamp() == null ? null : s.timestamp().toInstant()))
            .toList();
    receiver.receive(statuses);
    return ResponseEntity.ok().build();
  }

  private WebhookPayload parse(byte[] raw) {
    WebhookPayload payload;
    try {
      payload = json.readValue(raw, WebhookPayload.class);
    } catch (IOException e) {
      throw new BadRequestException(List.of(FieldError.fromJson(e)));
    }
    if (payload == null) {
      throw new BadRequestException("$", "must not be empty");
    }
    Set<ConstraintViolation<WebhookPayload>> violations = validator.validate(payload);
    if (!violations.isEmpty()) {
      throw BadRequestException.of(violations);
    }
    for (WebhookPayload.Status s : payload.statuses()) {
      if (s.id() == null && s.reference() == null) {
        throw new BadRequestException("statuses[].reference", "id or reference is required");
      }
    }
    return payload;
  }
}
