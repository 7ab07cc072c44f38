package dev.relay.simulator;

import java.time.Instant;
import java.util.List;

/** The {@link SimulatorListener}s of the context, told one after the other; often none. */
final class SimulatorListeners {

  private final List<SimulatorListener> listeners;

  SimulatorListeners(List<SimulatorListener> listeners) {
    this.listeners = List.copyOf(listeners);
  }

  static SimulatorListeners none() {
    return new SimulatorListeners(List.of());
  }

  void accepted(String to, InboxEntry entry) {
    listeners.forEach(l -> l.accepted(to, entry));
  }

  void acknowledged(InboxEntry entry, Instant sentAt, Instant answeredAt) {
    listeners.forEach(l -> l.acknowledged(entry, sentAt, answeredAt));
  }

  void inboxCleared() {
    listeners.forEach(SimulatorListener::inboxCleared);
  }
}
