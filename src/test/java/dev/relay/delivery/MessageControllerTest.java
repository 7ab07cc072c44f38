package dev.relay.delivery;

import static org.hamcrest.Matchers.nullValue;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.when;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import dev.relay.timeline.Timeline;
import dev.relay.web.ApiProperties;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.autoconfigure.web.servlet.WebMvcTest;
import org.springframework.context.annotation.ComponentScan.Filter;
import org.springframework.context.annotation.FilterType;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.servlet.MockMvc;

/**
 * API.md §2's message view at the HTTP edge (intake, §1, is IntakeControllerTest's): the view
 * built by the real {@link MessageViews}, 404 for an unknown id, 401 without the API token.
 */
@WebMvcTest(
    controllers = MessageController.class,
    includeFilters = @Filter(type = FilterType.REGEX, pattern = "dev\\.relay\\.web\\.ApiSecurity"),
    properties = "relay.api.tokens=" + MessageControllerTest.API_TOKEN)
@EnableConfigurationProperties(ApiProperties.class)
@Import(MessageViews.class)
class MessageControllerTest {

  static final String API_TOKEN = "slice-api-token";
  private static final String BEARER = "Bearer " + API_TOKEN;
  private static final Instant ACCEPTED_AT = Instant.parse("2025-01-02T03:04:05Z");
  private static final Instant DISPATCHED_AT = Instant.parse("2025-01-02T03:04:06Z");
  private static final Instant GATE_AT = Instant.parse("2025-01-02T03:04:08Z");
  private static final Instant RESENT_AT = Instant.parse("2025-01-02T03:04:21Z");
  private static final Instant DELIVERED_AT = Instant.parse("2025-01-02T03:04:22Z");

  @Autowired MockMvc mvc;
  @MockitoBean MessageRepository messages;
  @MockitoBean Timeline timeline;

  @Test
  void get_200_messageViewWithItsTimeline() throws Exception {
    when(messages.find("m-123"))
        .thenReturn(
            Optional.of(
                new Message(
                    "m-123", "room-A", 7, "whatsapp", "+15550100", "hello", "a@example.com",
                    MessageStatus.DELIVERED, 2, "wamid.X", ACCEPTED_AT, DISPATCHED_AT, DELIVERED_AT,
                    null, ACCEPTED_AT, "instance-1")));
    // the happy path's steps are the row's times; the timeline's rows hold the others
    when(timeline.of("m-123"))
        .thenReturn(
            List.of(
                new Timeline.Entry(GATE_AT, "ACK_GATE_TIMEOUT", null, null),
                new Timeline.Entry(RESENT_AT, "DISPATCHED", 2, null)));

    mvc.perform(get("/api/messages/{id}", "m-123").header(HttpHeaders.AUTHORIZATION, BEARER))
        .andExpect(status().isOk())
        .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_JSON))
        .andExpect(jsonPath("$.messageId").value("m-123"))
        .andExpect(jsonPath("$.roomId").value("room-A"))
        .andExpect(jsonPath("$.sequence").value(7))
        .andExpect(jsonPath("$.channel").value("whatsapp"))
        .andExpect(jsonPath("$.status").value("DELIVERED"))
        .andExpect(jsonPath("$.attempts").value(2))
        .andExpect(jsonPath("$.providerMessageId").value("wamid.X"))
        .andExpect(jsonPath("$.acceptedAt").value("2025-01-02T03:04:05Z"))
        .andExpect(jsonPath("$.dispatchedAt").value("2025-01-02T03:04:06Z"))
        .andExpect(jsonPath("$.deliveredAt").value("2025-01-02T03:04:22Z"))
        .andExpect(jsonPath("$.readAt").value(nullValue()))
        .andExpect(jsonPath("$.timeline.length()").value(6))
        .andExpect(jsonPath("$.timeline[0].event").value("ACCEPTED"))
        .andExpect(jsonPath("$.timeline[1].event").value("TURN_GRANTED"))
        .andExpect(jsonPath("$.timeline[2].event").value("DISPATCHED"))
        .andExpect(jsonPath("$.timeline[2].attempt").value(1))
        .andExpect(jsonPath("$.timeline[3].event").value("ACK_GATE_TIMEOUT"))
        .andExpect(jsonPath("$.timeline[3].attempt").doesNotExist())
        .andExpect(jsonPath("$.timeline[4].attempt").value(2))
        .andExpect(jsonPath("$.timeline[5].event").value("DELIVERED"))
        .andExpect(jsonPath("$.timeline[5].at").value("2025-01-02T03:04:22Z"))
        // the instance that waits for the report is Relay's business, not the client's
        .andExpect(jsonPath("$.reportInstanceId").doesNotExist());
  }

  @Test
  void getUnknown_404_problem() throws Exception {
    when(messages.find("nope")).thenReturn(Optional.empty());

    mvc.perform(get("/api/messages/{id}", "nope").header(HttpHeaders.AUTHORIZATION, BEARER))
        .andExpect(status().isNotFound())
        .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
        .andExpect(jsonPath("$.status").value(404))
        .andExpect(jsonPath("$.title").value("Not found"))
        .andExpect(jsonPath("$.type").isNotEmpty())
        .andExpect(jsonPath("$.detail").isNotEmpty());
  }

  @Test
  void missingOrWrongCredentials_401_nothingRead() throws Exception {
    mvc.perform(get("/api/messages/{id}", "m-123"))
        .andExpect(status().isUnauthorized())
        .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON));
    mvc.perform(get("/api/messages/{id}", "m-123").header(HttpHeaders.AUTHORIZATION, "Bearer not-the-token"))
        .andExpect(status().isUnauthorized());

    verifyNoInteractions(messages, timeline);
  }
}
