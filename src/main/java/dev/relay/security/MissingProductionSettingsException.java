package dev.relay.security;

import java.util.List;

/** Relay was started outside the demo profile without settings it needs there. */
class MissingProductionSettingsException extends IllegalStateException {

  private final List<String> missing;

  MissingProductionSettingsException(List<String> missing) {
    super("Outside the demo profile Relay needs: " + String.join("; ", missing));
    this.missing = List.copyOf(missing);
  }

  List<String> missing() {
    return missing;
  }
}
