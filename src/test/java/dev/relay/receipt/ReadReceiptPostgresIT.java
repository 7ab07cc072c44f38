package dev.relay.receipt;

import dev.relay.support.EmbeddedPostgresConfiguration;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.ActiveProfiles;

/** {@link ReadReceiptScenarios} on PostgreSQL. */
@ActiveProfiles({"test", "postgres"})
@Import(EmbeddedPostgresConfiguration.class)
class ReadReceiptPostgresIT extends ReadReceiptScenarios {}
