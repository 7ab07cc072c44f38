package dev.relay.delivery;

import dev.relay.support.EmbeddedPostgresConfiguration;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.ActiveProfiles;

/** {@link DeliveryScenarios} on PostgreSQL. */
@ActiveProfiles({"test", "postgres"})
@Import(EmbeddedPostgresConfiguration.class)
class DeliveryPostgresIT extends DeliveryScenarios {}
