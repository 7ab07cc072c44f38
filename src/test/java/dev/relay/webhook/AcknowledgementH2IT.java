package dev.relay.webhook;

/** {@link AcknowledgementScenarios} on the embedded H2 database. */
class AcknowledgementH2IT extends AcknowledgementScenarios {}
