package dev.relay.web;

import jakarta.validation.Constraint;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import jakarta.validation.Payload;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.regex.Pattern;

/**
 * An id of the API (message, room, user, device): 1..128 characters of {@code A-Z a-z 0-9 . _ :
 * -} (API.md §1). {@code null} passes: add {@code @NotNull} where the id is required. Ids that
 * bean validation does not see, such as path variables, are checked with {@link Validator#isId}.
 */
@Target({ElementType.FIELD, ElementType.PARAMETER, ElementType.RECORD_COMPONENT})
@Retention(RetentionPolicy.RUNTIME)
@Constraint(validatedBy = ResourceId.Validator.class)
public @interface ResourceId {

  /** The problem's message for a field that breaks the rule; the field names itself. */
  String MESSAGE = "must be 1..128 chars of A-Z a-z 0-9 . _ : -";

  String message() default MESSAGE;

  Class<?>[] groups() default {};

  Class<? extends Payload>[] payload() default {};

  class Validator implements ConstraintValidator<ResourceId, String> {

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    /** Whether the value is an id of the API; {@code null} is not. */
    public static boolean isId(String value) {
      return value != null && ID.matcher(value).matches();
    }

    @Override
    public boolean isValid(String value, ConstraintValidatorContext context) {
      return value == null || isId(value);
    }
  }
}
