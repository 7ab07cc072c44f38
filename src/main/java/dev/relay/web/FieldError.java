package dev.relay.web;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** One entry of a validation problem's {@code errors} array. */
public record FieldError(String field, String message) {

  /**
   * Where a JSON document could not be read, and why, in the API's words: Jackson's own messages
   * name Java classes. {@code $} is the document itself.
   */
  public static FieldError fromJson(Throwable jsonFailure) {
    if (jsonFailure instanceof MismatchedInputException mismatch && !mismatch.getPath().isEmpty()) {
      return new FieldError(path(mismatch), "has the wrong type or format");
    }
    if (jsonFailure instanceof JsonMappingException mapping && !mapping.getPath().isEmpty()) {
      return new FieldError(path(mapping), "malformed JSON");
    }
    if (jsonFailure instanceof JsonParseException parse
        && parse.getOriginalMessage().startsWith("Duplicate field")
        && parse.getProcessor() != null) {
      return new FieldError(path(parse.getProcessor().getParsingContext()), "is given more than once");
    }
    return new FieldError("$", "malformed JSON"); // not to be confused with the message's "body"
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
