package dev.relay.room;

import dev.relay.support.EmbeddedPostgresConfiguration;
import dev.relay.support.RelayApi;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The rooms' ordering promise under provider chaos on one node and PostgreSQL: many rooms × 10
 * messages through the bundled simulator (see {@link RoomChaos}). The node's port is chosen up
 * front because the channel's provider URL must name it. The context is closed afterwards, so its
 * resends and callbacks do not run on under later tests.
 *
 * <p>100 rooms by default: the 200 rooms × 10 messages cost about 90 s of a 2-vCPU
 * machine, too long for every build; {@code -Drelay.chaos.rooms=200} runs them.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT)
@ActiveProfiles({"test", "postgres"})
@Import(EmbeddedPostgresConfiguration.class)
@DirtiesContext
class RoomChaosPostgresIT {

  static final int ROOMS = Integer.getInteger("relay.chaos.rooms", 100);

  @DynamicPropertySource
  static void simulatorOnThisNode(DynamicPropertyRegistry registry) {
    int port = RoomChaos.freePort();
    registry.add("server.port", () -> port);
    RoomChaos.relayProperties(port).forEach((name, value) -> registry.add(name, () -> value));
    RoomChaos.simulatorProperties("http://localhost:{port}/webhooks/{channel}")
        .forEach((name, value) -> registry.add(name, () -> value));
  }

  @LocalServerPort int port;
  @Autowired JdbcTemplate jdbc;

  @Test
  void roomsUnderChaos_firstAttemptsInSequenceOrder_noneLost_noRoomWaitsWithoutInstance()
      throws Exception {
    String base = "http://localhost:" + port;
    RelayApi api = new RelayApi(base);
    RoomChaos chaos =
        new RoomChaos("chaos-" + UUID.randomUUID().toString().substring(0, 8), ROOMS, 10);

    chaos.watch(jdbc);
    chaos.sendAll(List.of(api), 8);

    chaos.verify("one node", api, new SimulatorClient(base), jdbc);
  }
}
