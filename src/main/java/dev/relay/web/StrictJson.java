package dev.relay.web;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.type.LogicalType;
import java.util.List;
import org.springframework.stereotype.Component;

/**
 * Strict input for every JSON Relay reads: a key given twice, a number or boolean where text is
 * due, or anything after the document is refused (400 naming the field, {@link ProblemHandler}),
 * never silently resolved (the last {@code messageId} used to win, {@code -5} became
 * {@code "-5"}). A Jackson module, so that Spring Boot applies it to its one ObjectMapper.
 */
@Component
class StrictJson extends SimpleModule {

  StrictJson() {
    super("relay-strict-json");
  }

  @Override
  public void setupModule(SetupContext context) {
    super.setupModule(context);
    ObjectMapper mapper = context.getOwner();
    mapper.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    mapper.enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    for (CoercionInputShape scalar :
        List.of(CoercionInputShape.Integer, CoercionInputShape.Float, CoercionInputShape.Boolean)) {
      mapper.coercionConfigFor(LogicalType.Textual).setCoercion(scalar, CoercionAction.Fail);
    }
  }
}
