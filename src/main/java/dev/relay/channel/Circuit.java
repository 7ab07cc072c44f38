package dev.relay.channel;

/** A channel's circuit (API.md §7), the same on every node. */
public enum Circuit {
  /** Calls go to the provider. */
  CLOSED,
  /** The provider kept failing: calls wait until {@code relay.circuit.open-for} has passed. */
  OPEN,
  /** A few trial calls go; their success closes the circuit, a failure opens it again. */
  HALF_OPEN
}
