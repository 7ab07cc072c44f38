package dev.relay.intake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.emptyOrNullString;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.when;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.delete;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.request;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relay.delivery.Message;
import dev.relay.delivery.MessageStatus;
import dev.relay.delivery.MessageViews;
import dev.relay.delivery.NewMessage;
import dev.relay.intake.IntakeService.Intake;
import dev.relay.support.TestChannels;
import dev.relay.timeline.Timeline;
import dev.relay.web.ApiProperties;
import dev.relay.web.AsyncAnswers;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.mockito.ArgumentCaptor;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.autoconfigure.web.servlet.WebMvcTest;
import org.springframework.context.annotation.ComponentScan.Filter;
import org.springframework.context.annotation.FilterType;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.jdbc.CannotGetJdbcConnectionException;
import org.springframework.mock.web.MockAsyncContext;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.test.web.servlet.ResultActions;

/**
 * API.md §1 at the HTTP edge: every answer of the intake table. The message view is built by the
 * real {@link MessageViews} (its timeline mocked); the API's token filter is in the slice too, so
 * the 401 rows are the real filter's answers.
 */
@WebMvcTest(
    controllers = IntakeController.class,
    includeFilters = @Filter(type = FilterType.REGEX, pattern = "dev\\.relay\\.web\\.ApiSecurity"),
    properties = "relay.api.tokens=" + IntakeControllerTest.API_TOKEN)
@EnableConfigurationProperties(ApiProperties.class)
@Import({TestChannels.class, MessageViews.class, SimpleMeterRegistry.class, AsyncAnswers.class})
class IntakeControllerTest {

  static final String API_TOKEN = "slice-api-token";
  private static final String BEARER = "Bearer " + API_TOKEN;
  private static final Instant ACCEPTED_AT = Instant.parse("2025-01-02T03:04:05Z");

  @Autowired MockMvc mvc;
  @Autowired ObjectMapper json;
  @Autowired MeterRegistry meters;
  @MockitoBean IntakeService intake;
  @MockitoBean Timeline timeline;

  @Test
  void newMessage_202_withLocationAndTheMessageView() throws Exception {
    intakeAnswers(Intake.Kind.ACCEPTED, MessageStatus.QUEUED);
    double acceptedBefore = accepted();

    send(validRequest())
        .andExpect(status().isAccepted())
        .andExpect(header().string("Location", "/api/messages/m-123"))
        .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_JSON))
        .andExpect(jsonPath("$.messageId").value("m-123"))
        .andExpect(jsonPath("$.roomId").value("room-A"))
        .andExpect(jsonPath("$.sequence").value(7))
        .andExpect(jsonPath("$.channel").value("whatsapp"))
        .andExpect(jsonPath("$.status").value("QUEUED"))
        .andExpect(jsonPath("$.attempts").value(0))
        .andExpect(jsonPath("$.providerMessageId").value(nullValue()))
        .andExpect(jsonPath("$.acceptedAt").value("2025-01-02T03:04:05Z"))
        .andExpect(jsonPath("$.dispatchedAt").value(nullValue()))
        .andExpect(jsonPath("$.deliveredAt").value(nullValue()))
        .andExpect(jsonPath("$.readAt").value(nullValue()))
        // as intake stored it: accepted; the timeline's rows are not even read
        .andExpect(jsonPath("$.timeline[*].event").value(contains("ACCEPTED")))
        .andExpect(jsonPath("$.timeline[0].event").value("ACCEPTED"))
        .andExpect(jsonPath("$.timeline[0].at").value("2025-01-02T03:04:05Z"))
        // a step without attempt or detail leaves them out
        .andExpect(jsonPath("$.timeline[0].attempt").doesNotExist());

    verifyNoInteractions(timeline);
    ArgumentCaptor<NewMessage> accepted = ArgumentCaptor.forClass(NewMessage.class);
    verify(intake).accept(accepted.capture());
    assertThat(accepted.getValue())
        .isEqualTo(new NewMessage("m-123", "room-A", "whatsapp", "+15550100", "hello", "a@example.com"));
    assertThat(accepted()).isEqualTo(acceptedBefore + 1);
  }

  /** The context, and its meters, are shared by the tests. */
  private double accepted() {
    var counter = meters.find("relay.messages.accepted").tags("channel", "whatsapp", "source", "rest").counter();
    return counter == null ? 0 : counter.count();
  }

  @Test
  void withoutFallbackEmail_202_andNoneHandedOn() throws Exception {
    intakeAnswers(Intake.Kind.ACCEPTED, MessageStatus.QUEUED);
    Map<String, Object> request = validRequest();
    request.remove("fallbackEmail");

    send(request).andExpect(status().isAccepted());

    verify(intake).accept(new NewMessage("m-123", "room-A", "whatsapp", "+15550100", "hello", null));
  }

  @Test
  void sameMessageAgain_200_withTheCurrentView() throws Exception {
    intakeAnswers(Intake.Kind.REPEATED, MessageStatus.DELIVERED);

    send(validRequest())
        .andExpect(status().isOk())
        .andExpect(header().doesNotExist("Location"))
        .andExpect(jsonPath("$.messageId").value("m-123"))
        .andExpect(jsonPath("$.sequence").value(7))
        .andExpect(jsonPath("$.status").value("DELIVERED"));
  }

  @Test
  void sameIdOtherContent_409_problem() throws Exception {
    intakeAnswers(Intake.Kind.CONFLICT, MessageStatus.QUEUED);

    send(validRequest())
        .andExpect(status().isConflict())
        .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
        .andExpect(jsonPath("$.status").value(409))
        .andExpect(jsonPath("$.title").value("Conflict"))
        .andExpect(jsonPath("$.type").isNotEmpty())
        .andExpect(jsonPath("$.detail").isNotEmpty())
        .andExpect(jsonPath("$.messageId").doesNotExist());
  }

  @Test
  void intakeStillStoring_requestWaitsWithoutItsThread_answered202OnceStored() throws Exception {
    CompletableFuture<Intake> storing = new CompletableFuture<>();
    MvcResult waiting = sentWhileStoring(storing);
    assertThat(waiting.getResponse().isCommitted()).isFalse();
    assertThat(waiting.getResponse().getContentAsString()).isEmpty();
    assertThat(waiting.getRequest().getAsyncContext().getTimeout())
        .as("waits however long the store takes (spring.mvc.async.request-timeout=-1)")
        .isNegative();

    // answered by the thread that stored it, without passing through Spring MVC again
    storing.complete(new Intake(Intake.Kind.ACCEPTED, stored(MessageStatus.QUEUED)));
    assertThat(waiting.getRequest().isAsyncStarted()).as("request completed").isFalse();
    assertThat(waiting.getResponse().getStatus()).isEqualTo(202);
    assertThat(waiting.getResponse().getHeader("Location")).isEqualTo("/api/messages/m-123");
    assertThat(waiting.getResponse().getContentType()).isEqualTo(MediaType.APPLICATION_JSON_VALUE);
    assertThat(json.readTree(waiting.getResponse().getContentAsString()).path("messageId").asText())
        .isEqualTo("m-123");
  }

  @Test
  void intakeStillStoring_thenAConflict_409_problem() throws Exception {
    CompletableFuture<Intake> storing = new CompletableFuture<>();
    MvcResult waiting = sentWhileStoring(storing);

    storing.complete(new Intake(Intake.Kind.CONFLICT, stored(MessageStatus.QUEUED)));

    assertAnsweredWithProblem(waiting, 409);
    assertThat(json.readTree(waiting.getResponse().getContentAsString()).path("title").asText())
        .isEqualTo("Conflict");
  }

  @Test
  void intakeStillStoringWhenTheContainerGivesUp_503_problem_andTheLateAnswerDropped() throws Exception {
    CompletableFuture<Intake> storing = new CompletableFuture<>();
    MvcResult waiting = sentWhileStoring(storing);

    MockAsyncContext context = (MockAsyncContext) waiting.getRequest().getAsyncContext();
    for (AsyncListener listener : context.getListeners()) { // the container's async timeout
      listener.onTimeout(new AsyncEvent(context));
    }
    assertAnsweredWithProblem(waiting, 503);
    String problem = waiting.getResponse().getContentAsString();

    storing.complete(new Intake(Intake.Kind.ACCEPTED, stored(MessageStatus.QUEUED)));
    assertThat(waiting.getResponse().getStatus()).isEqualTo(503);
    assertThat(waiting.getResponse().getContentAsString()).isEqualTo(problem);
  }

  @Test
  void storeFailsForWantOfTheDatabase_503_problem() throws Exception {
    when(intake.accept(any()))
        .thenReturn(CompletableFuture.failedFuture(new CannotGetJdbcConnectionException("no connection")));

    send(validRequest())
        .andExpect(status().isServiceUnavailable())
        .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
        .andExpect(jsonPath("$.status").value(503))
        .andExpect(jsonPath("$.detail").value(containsString("nothing was stored")));
  }

  static Stream<Arguments> badRequests() {
    return Stream.of(
        invalid("missing messageId", r -> r.remove("messageId"), "messageId"),
        invalid("messageId with characters outside the alphabet", r -> r.put("messageId", "m 1/2"), "messageId"),
        invalid("empty messageId", r -> r.put("messageId", ""), "messageId"),
        invalid("129-char messageId", r -> r.put("messageId", "m".repeat(129)), "messageId"),
        invalid("missing roomId", r -> r.remove("roomId"), "roomId"),
        invalid("129-char roomId", r -> r.put("roomId", "r".repeat(129)), "roomId"),
        invalid("roomId with characters outside the alphabet", r -> r.put("roomId", "room A"), "roomId"),
        invalid("unknown channel", r -> r.put("channel", "telegram"), "channel"),
        invalid("missing channel", r -> r.remove("channel"), "channel"),
        invalid("missing to", r -> r.remove("to"), "to"),
        invalid("empty to", r -> r.put("to", ""), "to"),
        invalid("257-char to", r -> r.put("to", "1".repeat(257)), "to"),
        invalid("missing body", r -> r.remove("body"), "body"),
        invalid("empty body", r -> r.put("body", ""), "body"),
        invalid("65537-char body", r -> r.put("body", "x".repeat(65537)), "body"),
        invalid("bad fallbackEmail", r -> r.put("fallbackEmail", "not-an-address"), "fallbackEmail"),
        invalid("wrong JSON type", r -> r.put("roomId", List.of("room-A")), "roomId"),
        invalid(
            "several bad fields at once",
            r -> {
              r.remove("messageId");
              r.put("channel", "telegram");
              r.put("body", "");
            },
            "body", "channel", "messageId"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badRequests")
  void badRequest_400_namingEachBadField_andNothingAccepted(
      String name, Map<String, Object> request, List<String> badFields) throws Exception {
    expectBadRequest(send(request), badFields);
  }

  @Test
  void longestValidValues_areAccepted() throws Exception {
    intakeAnswers(Intake.Kind.ACCEPTED, MessageStatus.QUEUED);
    Map<String, Object> request = validRequest();
    request.put("messageId", "Az09._:-".repeat(16));
    request.put("roomId", "r".repeat(128));
    request.put("to", "1".repeat(256));
    request.put("body", "x".repeat(65536));
    request.remove("fallbackEmail");

    send(request).andExpect(status().isAccepted());
    verify(intake).accept(any());
  }

  @Test
  void longestValidValues_everyCharacterEscaped_areStillWithinTheSizeLimit() throws Exception {
    intakeAnswers(Intake.Kind.ACCEPTED, MessageStatus.QUEUED);
    Map<String, Object> request = validRequest();
    request.put("messageId", "m".repeat(128));
    request.put("roomId", "r".repeat(128));
    request.put("to", "1".repeat(256));
    request.put("body", "x".repeat(65536));
    String longestEmail = "a".repeat(64) + "@" + ("d".repeat(63) + ".").repeat(3) + "d".repeat(59) + ".com";
    request.put("fallbackEmail", longestEmail);
    // JSON lets a client write any character as a 6-byte \\uXXXX escape: the worst case in bytes
    String escaped = json.writer().with(JsonWriteFeature.ESCAPE_NON_ASCII).writeValueAsString(request);
    StringBuilder everyCharEscaped = new StringBuilder();
    boolean inString = false;
    for (char c : escaped.toCharArray()) {
      if (c == '"') {
        inString = !inString;
        everyCharEscaped.append(c);
      } else if (inString) {
        everyCharEscaped.append(String.format("\\u%04x", (int) c));
      } else {
        everyCharEscaped.append(c);
      }
    }
    assertThat(everyCharEscaped.length()).isGreaterThan(6 * 65536);

    send(everyCharEscaped.toString()).andExpect(status().isAccepted());
    verify(intake).accept(
        new NewMessage("m".repeat(128), "r".repeat(128), "whatsapp", "1".repeat(256), "x".repeat(65536),
            longestEmail));
  }

  @Test
  void bodyOverTheSizeLimit_413_problem_andNothingAccepted() throws Exception {
    Map<String, Object> request = validRequest();
    request.put("unknownField", "x".repeat(600 * 1024));

    send(request)
        .andExpect(status().isPayloadTooLarge())
        .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
        .andExpect(jsonPath("$.status").value(413))
        .andExpect(jsonPath("$.title").value("Payload too large"))
        .andExpect(jsonPath("$.detail").value(containsString("nothing was stored")));
    verifyNoInteractions(intake);
  }

  @Test
  void otherMethod_405_problem() throws Exception {
    mvc.perform(delete("/api/messages").header(HttpHeaders.AUTHORIZATION, BEARER))
        .andExpect(status().isMethodNotAllowed())
        .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
        .andExpect(header().string(HttpHeaders.ALLOW, "POST"))
        .andExpect(jsonPath("$.status").value(405))
        .andExpect(jsonPath("$.type").value("https://relay.dev/problems/method-not-allowed"))
        .andExpect(jsonPath("$.title").value("Method not allowed"))
        .andExpect(jsonPath("$.detail").value("Method 'DELETE' is not supported."));
  }

  @Test
  void notJson_415_problem_andNothingAccepted() throws Exception {
    mvc.perform(
            post("/api/messages")
                .header(HttpHeaders.AUTHORIZATION, BEARER)
                .contentType(MediaType.TEXT_PLAIN)
                .content("hello"))
        .andExpect(status().isUnsupportedMediaType())
        .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
        .andExpect(jsonPath("$.status").value(415))
        .andExpect(jsonPath("$.type").value("https://relay.dev/problems/unsupported-media-type"))
        .andExpect(jsonPath("$.title").value("Unsupported media type"))
        .andExpect(jsonPath("$.detail").value("Content-Type 'text/plain' is not supported."));
    verifyNoInteractions(intake);
  }

  @Test
  void unknownApiPath_404_problem() throws Exception {
    mvc.perform(get("/api/nothing-here").header(HttpHeaders.AUTHORIZATION, BEARER))
        .andExpect(status().isNotFound())
        .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
        .andExpect(jsonPath("$.status").value(404))
        .andExpect(jsonPath("$.detail").value("No resource at /api/nothing-here"));
  }

  @Test
  void malformedJson_400_namingTheDocument() throws Exception {
    expectBadRequest(send("{\"messageId\": \"m-123\", \"roomId\": "), List.of("$"));
  }

  @Test
  void aKeyGivenTwice_400_namingIt() throws Exception {
    expectBadRequest(
        send(
            """
            {"messageId": "m-1", "roomId": "room-A", "channel": "whatsapp", "to": "+15550100",
             "body": "Hi", "messageId": "m-2"}"""),
        List.of("messageId"));
    verifyNoInteractions(intake);
  }

  @Test
  void aNumberOrBooleanWhereTextIsDue_400_namingIt() throws Exception {
    Map<String, Object> request = validRequest();
    request.put("messageId", -5);
    request.put("body", true);
    expectBadRequest(send(request), List.of("messageId"));
    verifyNoInteractions(intake);
  }

  @Test
  void anythingAfterTheDocument_400_namingTheDocument() throws Exception {
    expectBadRequest(send(json.writeValueAsString(validRequest()) + " {\"more\": 1}"), List.of("$"));
    verifyNoInteractions(intake);
  }

  @Test
  void noJsonAtAll_400() throws Exception {
    expectBadRequest(send(""), List.of("$"));
  }

  @Test
  void missingOrWrongCredentials_401_andNothingAccepted() throws Exception {
    String body = json.writeValueAsString(validRequest());

    mvc.perform(post("/api/messages").contentType(MediaType.APPLICATION_JSON).content(body))
        .andExpect(status().isUnauthorized())
        .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
        .andExpect(jsonPath("$.status").value(401));
    mvc.perform(
            post("/api/messages")
                .header(HttpHeaders.AUTHORIZATION, "Bearer not-the-token")
                .contentType(MediaType.APPLICATION_JSON)
                .content(body))
        .andExpect(status().isUnauthorized());

    verifyNoInteractions(intake);
  }

  private void expectBadRequest(ResultActions result, List<String> badFields) throws Exception {
    result
        .andExpect(status().isBadRequest())
        .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
        .andExpect(jsonPath("$.status").value(400))
        .andExpect(jsonPath("$.title").isNotEmpty())
        .andExpect(jsonPath("$.type").isNotEmpty())
        .andExpect(jsonPath("$.errors[*].field", containsInAnyOrder(badFields.toArray())))
        .andExpect(jsonPath("$.errors[*].message", everyItem(not(emptyOrNullString()))));
    // nothing reached intake, so nothing was stored and no room was touched
    verifyNoInteractions(intake);
  }

  private ResultActions send(Map<String, Object> request) throws Exception {
    return send(json.writeValueAsString(request));
  }

  /** The request, and its answer: the intake's future is done already, so it is answered at once. */
  private ResultActions send(String body) throws Exception {
    return mvc.perform(
        post("/api/messages")
            .header(HttpHeaders.AUTHORIZATION, BEARER)
            .contentType(MediaType.APPLICATION_JSON)
            .content(body));
  }

  /** A valid request whose intake is still being stored: it waits, its request thread free. */
  private MvcResult sentWhileStoring(CompletableFuture<Intake> storing) throws Exception {
    when(intake.accept(any())).thenReturn(storing);
    return mvc.perform(
            post("/api/messages")
                .header(HttpHeaders.AUTHORIZATION, BEARER)
                .contentType(MediaType.APPLICATION_JSON)
                .content(json.writeValueAsString(validRequest())))
        .andExpect(request().asyncStarted())
        .andReturn();
  }

  private static void assertAnsweredWithProblem(MvcResult waiting, int status) {
    assertThat(waiting.getRequest().isAsyncStarted()).as("request completed").isFalse();
    assertThat(waiting.getResponse().getStatus()).isEqualTo(status);
    assertThat(MediaType.parseMediaType(waiting.getResponse().getContentType()))
        .matches(MediaType.APPLICATION_PROBLEM_JSON::isCompatibleWith);
  }

  private void intakeAnswers(Intake.Kind kind, MessageStatus status) {
    when(intake.accept(any())).thenReturn(CompletableFuture.completedFuture(new Intake(kind, stored(status))));
  }

  private static Arguments invalid(String name, Consumer<Map<String, Object>> change, String... fields) {
    Map<String, Object> request = validRequest();
    change.accept(request);
    return Arguments.of(name, request, List.of(fields));
  }

  private static Map<String, Object> validRequest() {
    Map<String, Object> request = new LinkedHashMap<>();
    request.put("messageId", "m-123");
    request.put("roomId", "room-A");
    request.put("channel", "whatsapp");
    request.put("to", "+15550100");
    request.put("body", "hello");
    request.put("fallbackEmail", "a@example.com");
    return request;
  }

  private static Message stored(MessageStatus status) {
    return new Message(
        "m-123", "room-A", 7, "whatsapp", "+15550100", "hello", "a@example.com", status,
        status == MessageStatus.QUEUED ? 0 : 1, null, ACCEPTED_AT, null, null, null, null, null);
  }
}
