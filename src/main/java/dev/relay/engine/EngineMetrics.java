package dev.relay.engine;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.camunda.bpm.engine.ManagementService;
import org.camunda.bpm.engine.RuntimeService;
import org.springframework.stereotype.Component;

/**
 * The engine's state as an operator watches it, read at each scrape: open incidents (what needs a
 * hand in Cockpit), jobs due and not yet run (the job executor's backlog), and jobs out of retries.
 */
@Component
class EngineMetrics {

  EngineMetrics(MeterRegistry meters, RuntimeService runtime, ManagementService management) {
    Gauge.builder("relay.engine.incidents", runtime, engine -> engine.createIncidentQuery().count())
        .description("open incidents: Cockpit shows what to do with each")
        .register(meters);
    Gauge.builder("relay.engine.jobs.due", management,
            engine -> engine.createJobQuery().executable().count())
        .description("jobs due with retries left, not yet run: the job executor's backlog")
        .register(meters);
    Gauge.builder("relay.engine.jobs.failed", management,
            engine -> engine.createJobQuery().noRetriesLeft().count())
        .description("jobs out of retries")
        .register(meters);
  }
}
