package dev.relay.room;

import org.springframework.stereotype.Component;

/** Room settings as room-delivery.bpmn's timer reads them (bean name {@code roomPolicies}). */
@Component("roomPolicies")
public class RoomPolicies {

  private final RelayRoomsProperties properties;

  public RoomPolicies(RelayRoomsProperties properties) {
    this.properties = properties;
  }

  /** ISO-8601: how long an idle room's instance waits for the next message. */
  public String idleTimeout() {
    return properties.idleTimeout().toString();
  }
}
