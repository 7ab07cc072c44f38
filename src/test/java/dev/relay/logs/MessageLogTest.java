package dev.relay.logs;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

class MessageLogTest {

  @AfterEach
  void noIdsLeft() {
    MDC.clear();
  }

  @Test
  void aScopeNamesItsMessage_andLeavesNothingBehind() {
    try (var scope = MessageLog.open("m-1", "room-A")) {
      assertThat(MDC.get("messageId")).isEqualTo("m-1");
      assertThat(MDC.get("roomId")).isEqualTo("room-A");
    }

    assertThat(MDC.get("messageId")).isNull();
    assertThat(MDC.get("roomId")).isNull();
  }

  @Test
  void aScopeClosedByAFailure_leavesNothingBehindEither() {
    try (var scope = MessageLog.open("m-1", "room-A")) {
      throw new IllegalStateException("the provider is down");
    } catch (IllegalStateException expected) {
      assertThat(MDC.getCopyOfContextMap()).doesNotContainKeys("messageId", "roomId");
    }
  }

  @Test
  void anInnerScope_givesTheOuterOneItsIdsBack() {
    try (var outer = MessageLog.open("m-1", "room-A")) {
      try (var inner = MessageLog.open("m-2", "room-B")) {
        assertThat(MDC.get("messageId")).isEqualTo("m-2");
      }
      assertThat(MDC.get("messageId")).isEqualTo("m-1");
      assertThat(MDC.get("roomId")).isEqualTo("room-A");
    }
  }

  @Test
  void workThatFindsItsMessageOnTheWay_isNamedUntilItsScopeCloses() {
    try (var scope = MessageLog.open()) {
      assertThat(MDC.get("messageId")).isNull();
      MessageLog.identify("m-1", "room-A");
      assertThat(MDC.get("messageId")).isEqualTo("m-1");
      assertThat(MDC.get("roomId")).isEqualTo("room-A");
    }

    assertThat(MDC.get("messageId")).isNull();
    assertThat(MDC.get("roomId")).isNull();
  }

  @Test
  void identifyingOutsideAnyScope_doesNothing_asNothingWouldClearIt() {
    MessageLog.identify("m-1", "room-A");

    assertThat(MDC.get("messageId")).isNull();
  }
}
