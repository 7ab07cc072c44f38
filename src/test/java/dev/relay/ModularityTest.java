package dev.relay;

import static java.util.Map.entry;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.springframework.modulith.core.ApplicationModule;
import org.springframework.modulith.core.ApplicationModules;

/**
 * The packages under {@code dev.relay} are Spring Modulith's application modules, and their
 * top-level public types their API. They touch each other only through that API, without cycles,
 * and only in the directions the design intends (main code only: tests may reach anywhere).
 */
class ModularityTest {

  private static final ApplicationModules MODULES = ApplicationModules.of(RelayApplication.class);

  /** Shared utilities: every feature may use them; they use no feature module. */
  private static final Set<String> SHARED = Set.of("web", "jdbc", "http", "logs");

  /** The modules each module may use besides the shared ones. */
  private static final Map<String, Set<String>> INTENDED =
      Map.ofEntries(
          // channel: @KnownChannel checks the request's channel against the configured ones. The
          // Kafka intake (KafkaIntake) is part of intake and goes through the same IntakeService:
          // it needs no other module (web: the problem bodies of the records it refuses)
          entry("intake", Set.of("room", "delivery", "channel")),
          // engine: the hot path's lookups of instances (ProcessInstances)
          entry("room", Set.of("delivery", "channel", "timeline", "engine")),
          // channel: the provider gateway and its guard (ChannelGuard); engine: the hot path's
          // lookups, and ContinuationAdmission, which holds provider calls for their channel
          entry("delivery", Set.of("channel", "timeline", "engine")),
          entry("fallback", Set.of("delivery", "timeline")),
          entry("webhook", Set.of("delivery", "channel")),
          entry("receipt", Set.of()),
          entry("channel", Set.of()),
          entry("timeline", Set.of()),
          // checks the settings in the environment (web: ApiProperties), before any bean exists
          entry("security", Set.of()),
          // RetryAfterPlugin lets a provider's Retry-After delay the failed job's next try
          entry("engine", Set.of("channel")));

  /** Runs as a process of its own (the benchmark's), with none of Relay's beans: uses nothing. */
  private static final String STANDALONE = "simulator";

  @Test
  void modulesUseEachOtherOnlyThroughTheirApi_withoutCycles() {
    MODULES.verify();
  }

  @Test
  void eachModuleUsesOnlyTheModulesItIsMeantTo() {
    List<String> unintended = new ArrayList<>();
    for (ApplicationModule module : MODULES) {
      String name = module.getIdentifier().toString();
      Set<String> uses = new TreeSet<>();
      module.getDirectDependencies(MODULES).uniqueModules()
          .forEach(used -> uses.add(used.getIdentifier().toString()));
      Set<String> allowed = allowed(name);
      if (allowed == null) {
        unintended.add(name + " is a module this test does not know: add it to INTENDED");
        continue;
      }
      uses.removeAll(allowed);
      if (!uses.isEmpty()) {
        unintended.add(name + " uses " + uses);
      }
    }
    assertThat(unintended).as("dependencies the design does not intend").isEmpty();
  }

  private static Set<String> allowed(String module) {
    if (module.equals(STANDALONE)) {
      return Set.of();
    }
    if (SHARED.contains(module)) {
      return SHARED; // web's answer to a database outage reads the failure with jdbc's eyes
    }
    Set<String> features = INTENDED.get(module);
    if (features == null) {
      return null;
    }
    Set<String> allowed = new TreeSet<>(features);
    allowed.addAll(SHARED);
    return allowed;
  }
}
