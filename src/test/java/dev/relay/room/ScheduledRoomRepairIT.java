package dev.relay.room;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.relay.support.EmbeddedPostgresConfiguration;
import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpStatus;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.TestPropertySource;

/**
 * The scheduled {@link RoomRepair} on PostgreSQL: a room whose turn holder was cancelled with its
 * listeners skipped is freed without anybody calling the repair API.
 */
@ActiveProfiles({"test", "postgres"})
@Import(EmbeddedPostgresConfiguration.class)
@TestPropertySource(properties = "relay.rooms.repair-interval=PT1S")
class ScheduledRoomRepairIT extends RoomIntegrationTest {

  @Test
  void turnHolderCancelledWithoutListeners_scheduledRepairFreesTheRoom_nextGoes() {
    Room room = roomWithHolderAndTwoWaiting();

    assertThat(deleteInstance(room.first(), true).getStatusCode()).isEqualTo(HttpStatus.NO_CONTENT);

    eventually().until(() -> provider.calls(room.second()).size(), equalTo(1));
    assertThat(api.room(room.id()).getBody().get("turnHolder").asText()).isEqualTo(room.second());
    assertThat(api.events(room.first())).contains("TURN_PASSED").doesNotContain("CANCELLED");
    assertThat(provider.calls(room.third())).isEmpty();
  }
}
