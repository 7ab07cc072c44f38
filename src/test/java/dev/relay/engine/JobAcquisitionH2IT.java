package dev.relay.engine;

/** {@link JobAcquisitionScenarios} on the embedded H2 database. */
class JobAcquisitionH2IT extends JobAcquisitionScenarios {}
