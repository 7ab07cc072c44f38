package dev.relay.receipt;

/** {@link ReadReceiptScenarios} on the embedded H2 database. */
class ReadReceiptH2IT extends ReadReceiptScenarios {}
