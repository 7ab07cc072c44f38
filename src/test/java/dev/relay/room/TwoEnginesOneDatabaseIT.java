package dev.relay.room;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relay.support.RelayApi;
import dev.relay.support.RelayNode;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.camunda.bpm.engine.HistoryService;
import org.camunda.bpm.engine.history.HistoricJobLog;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The rooms' ordering promise across a cluster: two Relay nodes, each with its own process engine
 * and job executor, on one PostgreSQL. Intake for the same rooms alternates between the nodes, so
 * a room's instance is started or woken by either; the simulator runs in node A and calls back to
 * node B's webhook, so the ACK of a dispatch made by either engine's job executor is handled by B,
 * and moves the room's instance on to its next message there (see {@link RoomChaos}).
 */
class TwoEnginesOneDatabaseIT {

  private static EmbeddedPostgres postgres;
  private static int portA;
  private static int portB;
  private static ConfigurableApplicationContext nodeA;
  private static ConfigurableApplicationContext nodeB;

  @BeforeAll
  static void startTwoNodesOnOneDatabase() throws IOException {
    postgres = EmbeddedPostgres.builder().start();
    portA = RoomChaos.freePort();
    portB = RoomChaos.freePort();
    Map<String, Object> a = new LinkedHashMap<>(RoomChaos.relayProperties(portA));
    a.putAll(RoomChaos.simulatorProperties("http://localhost:" + portB + "/webhooks/{channel}"));
    // one after the other: the first creates the schemas, the second finds them
    nodeA = start(portA, a);
    nodeB = start(portB, RoomChaos.relayProperties(portA));
  }

  private static ConfigurableApplicationContext start(int port, Map<String, Object> properties) {
    Map<String, Object> p = new LinkedHashMap<>(properties);
    p.put("spring.datasource.url", postgres.getJdbcUrl("postgres", "postgres"));
    p.put("spring.datasource.username", "postgres");
    return RelayNode.start(port, p);
  }

  @AfterAll
  static void stopNodes() throws IOException {
    for (ConfigurableApplicationContext node : new ConfigurableApplicationContext[] {nodeB, nodeA}) {
      if (node != null) {
        node.close();
      }
    }
    if (postgres != null) {
      postgres.close();
    }
  }

  @Test
  void roomsFedThroughBothNodes_firstAttemptsInSequenceOrder_noneLost_noRoomWaitsWithoutInstance()
      throws Exception {
    RelayApi apiA = new RelayApi("http://localhost:" + portA);
    RelayApi apiB = new RelayApi("http://localhost:" + portB);
    RoomChaos chaos = new RoomChaos("nodes-" + UUID.randomUUID().toString().substring(0, 8), 50, 6);

    chaos.watch(nodeA.getBean(JdbcTemplate.class));
    chaos.sendAll(List.of(apiA, apiB), 8);

    chaos.verify("two nodes",
        apiB, new SimulatorClient("http://localhost:" + portA), nodeA.getBean(JdbcTemplate.class));
    // both job executors dispatched: the engines' host names (IP and engine name) differ
    Map<String, Long> dispatchesByEngine =
        nodeA.getBean(HistoryService.class).createHistoricJobLogQuery()
            .activityIdIn("Task_DispatchMessage")
            .successLog()
            .list()
            .stream()
            .collect(Collectors.groupingBy(HistoricJobLog::getHostname, Collectors.counting()));
    assertThat(dispatchesByEngine).hasSize(2);
  }
}
