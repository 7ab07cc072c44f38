package dev.relay.room;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.camunda.bpm.engine.RuntimeService;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The rooms at a glance, read at each scrape: rooms whose instance is running, and messages
 * waiting in a room's queue for their turn.
 */
@Component
class RoomMetrics {

  RoomMetrics(MeterRegistry meters, JdbcTemplate jdbc, RuntimeService runtime) {
    Gauge.builder("relay.rooms.open", runtime,
            engine -> engine.createProcessInstanceQuery()
                .processDefinitionKey(RoomDeliveryProcess.KEY).count())
        .description("rooms with a running RoomDeliveryProcess instance")
        .register(meters);
    Gauge.builder("relay.messages.waiting", jdbc,
            db -> db.queryForObject(
                "select count(*) from relay_message where turn_state = 'WAITING'", Long.class))
        .description("messages waiting in their room's queue")
        .register(meters);
  }
}
