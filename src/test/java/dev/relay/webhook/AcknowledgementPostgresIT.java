package dev.relay.webhook;

import dev.relay.support.EmbeddedPostgresConfiguration;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.ActiveProfiles;

/** {@link AcknowledgementScenarios} on PostgreSQL. */
@ActiveProfiles({"test", "postgres"})
@Import(EmbeddedPostgresConfiguration.class)
class AcknowledgementPostgresIT extends AcknowledgementScenarios {}
