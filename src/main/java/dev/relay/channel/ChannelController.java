package dev.relay.channel;

import com.fasterxml.jackson.databind.JsonNode;
import dev.relay.web.BadRequestException;
import dev.relay.web.FieldError;
import dev.relay.web.NotFoundException;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.ExampleObject;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import java.util.ArrayList;
import java.util.List;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** Channels at run time (API.md §7): the view, and the rate limit an operator changes. */
@RestController
@RequestMapping(path = "/api/channels", produces = MediaType.APPLICATION_JSON_VALUE)
class ChannelController {

  static final String RATE_LIMIT = "rateLimit";

  private final ChannelGuard guard;
  private final ChannelPolicies policies;

  ChannelController(ChannelGuard guard, ChannelPolicies policies) {
    this.guard = guard;
    this.policies = policies;
  }

  @Operation(summary = "A channel's rate limit and circuit")
  @ApiResponse(responseCode = "200", description = "The channel view", useReturnTypeSchema = true)
  @ApiResponse(responseCode = "404", description = "No such channel")
  @GetMapping("/{name}")
  ChannelView get(@PathVariable String name) {
    return guard.view(known(name));
  }

  /** {"rateLimit": n} sets the limit (calls per second, above 0), {"rateLimit": null} removes it. */
  @Operation(summary = "Change a channel's rate limit, cluster-wide, without a restart")
  @ApiResponse(responseCode = "200", description = "The channel view, with the new limit", useReturnTypeSchema = true)
  @ApiResponse(responseCode = "400", description = "Another field, or rateLimit not a number above 0 or null")
  @ApiResponse(responseCode = "404", description = "No such channel")
  @PatchMapping(path = "/{name}", consumes = MediaType.APPLICATION_JSON_VALUE)
  ChannelView patch(
      @PathVariable String name,
      @io.swagger.v3.oas.annotations.parameters.RequestBody(
              description = "Calls per second above 0, or null for no limit",
              content =
                  @Content(
                      schema = @Schema(type = "object"),
                      examples = {@ExampleObject("{\"rateLimit\": 20}"), @ExampleObject("{\"rateLimit\": null}")}))
          @RequestBody
          JsonNode change) {
    return guard.setRateLimit(known(name), rateLimit(change));
  }

  private String known(String name) {
    if (!policies.isKnown(name)) {
      throw new NotFoundException("No channel " + name);
    }
    return name;
  }

  private static Double rateLimit(JsonNode change) {
    if (!change.isObject()) {
      throw new BadRequestException("$", "must be an object: {\"rateLimit\": n | null}");
    }
    List<FieldError> errors = new ArrayList<>();
    change.fieldNames().forEachRemaining(
        field -> {
          if (!field.equals(RATE_LIMIT)) {
            errors.add(new FieldError(field, "cannot be changed at run time"));
          }
        });
    JsonNode value = change.get(RATE_LIMIT);
    if (value == null) {
      errors.add(new FieldError(RATE_LIMIT, "is required: calls per second, or null for no limit"));
    } else if (!value.isNull()
        && !(value.isNumber() && Double.isFinite(value.doubleValue()) && value.doubleValue() > 0)) {
      errors.add(new FieldError(RATE_LIMIT, "must be a number above 0 (calls per second) or null"));
    }
    if (!errors.isEmpty()) {
      throw new BadRequestException(errors);
    }
    return value.isNull() ? null : value.doubleValue();
  }
}
