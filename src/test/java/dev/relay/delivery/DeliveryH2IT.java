package dev.relay.delivery;

/** {@link DeliveryScenarios} on the embedded H2 database. */
class DeliveryH2IT extends DeliveryScenarios {}
