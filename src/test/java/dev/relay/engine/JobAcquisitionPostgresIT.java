package dev.relay.engine;

import dev.relay.support.EmbeddedPostgresConfiguration;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.ActiveProfiles;

/** {@link JobAcquisitionScenarios} on PostgreSQL. */
@ActiveProfiles({"test", "postgres"})
@Import(EmbeddedPostgresConfiguration.class)
class JobAcquisitionPostgresIT extends JobAcquisitionScenarios {}
