package dev.relay.security;

import java.util.stream.Collectors;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Prints the missing settings as Spring Boot's "APPLICATION FAILED TO START" report instead of a
 * stack trace (registered in META-INF/spring.factories).
 */
class ProductionSettingsFailureAnalyzer
    extends AbstractFailureAnalyzer<MissingProductionSettingsException> {

  @Override
  protected FailureAnalysis analyze(Throwable root, MissingProductionSettingsException cause) {
    String settings =
        cause.missing().stream().map(m -> "    - " + m).collect(Collectors.joining("\n"));
    return new FailureAnalysis(
        "Relay runs outside the demo profile (active profiles decide; only 'demo' may start"
            + " without configuration) and these settings are missing:\n"
            + settings,
        "Set them in the environment (or as relay.* / camunda.bpm.admin-user.* properties),"
            + " or start the demo profile (SPRING_PROFILES_ACTIVE=demo) to try Relay out."
            + " See docs/operations.md, section Security.",
        cause);
  }
}
