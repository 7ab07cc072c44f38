package dev.relay.web;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validation;
import jakarta.validation.Validator;
import jakarta.validation.ValidatorFactory;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The id rule of API.md §1, as bodies (bean validation) and paths ({@code isId}) apply it. */
class ResourceIdTest {

  record Body(@ResourceId String roomId) {}

  private static ValidatorFactory factory;
  private static Validator validator;

  @BeforeAll
  static void start() {
    factory = Validation.buildDefaultValidatorFactory();
    validator = factory.getValidator();
  }

  @AfterAll
  static void stop() {
    factory.close();
  }

  @ParameterizedTest
  @ValueSource(strings = {"m-123", "room-A", "a", "A.b_c:d-9", "x"})
  void theApiAlphabet_isAnId(String id) {
    assertThat(validator.validate(new Body(id))).isEmpty();
    assertThat(ResourceId.Validator.isId(id)).isTrue();
  }

  @Test
  void upTo128Chars_isAnId() {
    assertThat(validator.validate(new Body("r".repeat(128)))).isEmpty();
    assertThat(ResourceId.Validator.isId("r".repeat(128))).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "bad id!", "room/A", "räum", "m 1", "a\nb"})
  void anythingElse_isNot_withOneMessageNamingTheRule(String id) {
    Set<ConstraintViolation<Body>> violations = validator.validate(new Body(id));

    assertThat(violations).singleElement().satisfies(v -> {
      assertThat(v.getPropertyPath()).hasToString("roomId");
      assertThat(v.getMessage()).isEqualTo("must be 1..128 chars of A-Z a-z 0-9 . _ : -");
    });
    assertThat(ResourceId.Validator.isId(id)).isFalse();
  }

  @Test
  void moreThan128Chars_isNot() {
    assertThat(validator.validate(new Body("r".repeat(129)))).hasSize(1);
    assertThat(ResourceId.Validator.isId("r".repeat(129))).isFalse();
  }

  @Test
  void null_isLeftToNotNull_butIsNoId() {
    assertThat(validator.validate(new Body(null))).isEmpty();
    assertThat(ResourceId.Validator.isId(null)).isFalse();
  }
}
