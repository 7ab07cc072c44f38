package dev.relay.channel;

import jakarta.validation.Constraint;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import jakarta.validation.Payload;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** The value names a configured channel (relay.channels.*). */
@Target({ElementType.FIELD, ElementType.PARAMETER, ElementType.RECORD_COMPONENT})
@Retention(RetentionPolicy.RUNTIME)
@Constraint(validatedBy = KnownChannel.Validator.class)
public @interface KnownChannel {

  String message() default "is not a configured channel";

  Class<?>[] groups() default {};

  Class<? extends Payload>[] payload() default {};

  class Validator implements ConstraintValidator<KnownChannel, String> {

    private final ChannelPolicies channels;

    Validator(ChannelPolicies channels) {
      this.channels = channels;
    }

    @Override
    public boolean isValid(String value, ConstraintValidatorContext context) {
      if (value == null || channels.isKnown(value)) {
        return true;
      }
      context.disableDefaultConstraintViolation();
      context
          .buildConstraintViolationWithTemplate(
              "is not a configured channel (configured: " + String.join(", ", channels.names()) + ")")
          .addConstraintViolation();
      return false;
    }
  }
}
