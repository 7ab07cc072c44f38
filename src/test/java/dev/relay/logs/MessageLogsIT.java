package dev.relay.logs;

import static dev.relay.support.RelayApi.newMessage;
import static dev.relay.support.WebhookClient.delivered;
import static org.assertj.core.api.Assertions.assertThat;

import dev.relay.support.RelayIntegrationTest;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.logging.LogLevel;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * A message's log lines, as the console shows them (application.yml's pattern): the intake on the
 * request's thread, the dispatch on a job thread, the provider's status on the webhook's, each
 * naming the message and its room; a status for no known message names none.
 */
@ExtendWith(OutputCaptureExtension.class)
class MessageLogsIT extends RelayIntegrationTest {

  /** Where the lines of a message's way are logged, at DEBUG. */
  private static final List<String> LOGGERS =
      List.of(
          "dev.relay.intake.IntakeService",
          "dev.relay.delivery.DeliveryService",
          "dev.relay.delivery.MessageStatuses", // a callback's statuses, applied together
          "dev.relay.webhook.StatusReceiver"); // each on its own, when together failed

  @Autowired LoggingSystem logging;

  @BeforeEach
  void debug() {
    LOGGERS.forEach(logger -> logging.setLogLevel(logger, LogLevel.DEBUG));
  }

  @AfterEach
  void asBefore() {
    LOGGERS.forEach(logger -> logging.setLogLevel(logger, null));
  }

  @Test
  void theLinesOfAMessagesWay_nameTheMessageAndItsRoom(CapturedOutput output) {
    String id = newId("logged");
    String room = newId("room");
    String named = "messageId=" + id + " roomId=" + room + " ";

    api.send(newMessage(id, room, "hello", null));
    eventually().until(() -> "DISPATCHED".equals(api.status(id)));
    webhook.send(delivered(id));
    eventually().until(() -> "DELIVERED".equals(api.status(id)));

    eventually().untilAsserted(() -> {
      assertThat(line(output, "Intake: ACCEPTED", id)).contains(named);
      assertThat(line(output, "Attempt 1 taken by the provider", id)).contains(named);
      assertThat(line(output, "Status DELIVERED from the provider: APPLIED", id)).contains(named);
    });
  }

  @Test
  void aStatusForNoKnownMessage_namesNone(CapturedOutput output) {
    String unknown = newId("unknown");

    webhook.send(delivered(unknown));

    eventually().untilAsserted(() ->
        assertThat(output.getOut().lines()
            .filter(l -> l.contains("Status DELIVERED from the provider: UNKNOWN")))
            .isNotEmpty()
            .allSatisfy(l -> assertThat(l).doesNotContain("messageId=").doesNotContain("roomId=")));
  }

  /** The one line with this text logged for this message (by the ids the pattern prints). */
  private static String line(CapturedOutput output, String text, String messageId) {
    List<String> lines =
        output.getOut().lines()
            .filter(l -> l.contains(text) && l.contains("messageId=" + messageId + " "))
            .toList();
    assertThat(lines).as(text).hasSize(1);
    return lines.get(0);
  }
}
