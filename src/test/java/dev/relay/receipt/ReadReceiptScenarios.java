package dev.relay.receipt;

import static dev.relay.receipt.DeviceStub.RECEIPTS;
import static dev.relay.receipt.DeviceStub.RETRACT;
import static dev.relay.receipt.DeviceStub.SYNC_FAILED;
import static dev.relay.receipt.DeviceStub.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relay.receipt.DeviceStub.Call;
import dev.relay.support.RelayIntegrationTest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.LongStream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.client.RestClient;

/**
 * The read-receipt saga over HTTP (API.md §3): devices are WireMock endpoints ({@link DeviceStub}),
 * the engine's job executor runs the saga. Run on H2 and on PostgreSQL by the subclasses; every
 * test has users and rooms of its own.
 */
abstract class ReadReceiptScenarios extends RelayIntegrationTest {

  private static final DeviceStub devices = DeviceStub.instance();

  private final ObjectMapper json = new ObjectMapper();

  @LocalServerPort int serverPort;
  private RestClient http;
  private String user;
  private String room;

  @BeforeEach
  void aUserAndARoom() {
    http =
        RestClient.builder()
            .baseUrl("http://localhost:" + serverPort)
            .defaultStatusHandler(status -> true, (request, response) -> {})
            .build();
    user = newId("user");
    room = newId("room");
  }

  @Test
  void everyOtherDeviceTakesTheReceipt_syncCompletes() throws Exception {
    registerDevices("phone", "laptop", "tablet");

    ResponseEntity<JsonNode> accepted = read("phone", 42);

    assertThat(accepted.getStatusCode()).isEqualTo(HttpStatus.ACCEPTED);
    String syncId = accepted.getBody().get("syncId").asText();
    assertThat(accepted.getBody().get("status").asText()).isEqualTo("RUNNING");
    assertThat(accepted.getHeaders().getLocation()).hasToString("/api/read-syncs/" + syncId);
    eventually().until(() -> syncStatus(syncId), equalTo("COMPLETED"));

    for (String device : List.of("laptop", "tablet")) {
      Call receipt = single(devices.calls(user, device, RECEIPTS));
      assertThat(json.readTree(receipt.body()))
          .isEqualTo(json.valueToTree(Map.of("roomId", room, "upToSequence", 42, "syncId", syncId)));
      assertThat(receipt.contentType()).startsWith(MediaType.APPLICATION_JSON_VALUE);
      assertThat(devices.calls(user, device, RETRACT)).isEmpty();
    }
    assertThat(devices.calls(user, "phone", RECEIPTS)).isEmpty();
    assertThat(devices.calls(user, "phone", SYNC_FAILED)).isEmpty();
    assertThat(pointer()).isEqualTo(42);
    assertThat(originMark(syncId)).isEqualTo(42);
    assertThat(steps(syncId))
        .containsExactly(
            Map.entry("MARK_ORIGIN_READ", "DONE"),
            Map.entry("MOVE_CLOUD_POINTER", "DONE"),
            Map.entry("PUSH_RECEIPT:laptop", "DONE"),
            Map.entry("PUSH_RECEIPT:tablet", "DONE"));
    assertThat(endedAt(syncId, "EndEvent_SyncCompleted")).isTrue();
  }

  @Test
  void theSecondOfThreeDevicesRefuses_theFirstIsRetracted_pointerRestored_originUnmarkedAndTold() throws Exception {
    registerDevices("phone", "d1", "d2", "d3");
    String earlier = read("phone", 5).getBody().get("syncId").asText();
    eventually().until(() -> syncStatus(earlier), equalTo("COMPLETED"));
    // the device pushed second refuses for good; the saga's pushes run one at a time
    devices.answerInTurn(user, RECEIPTS, status(200), status(410));

    String syncId = read("phone", 9).getBody().get("syncId").asText();
    eventually().until(() -> syncStatus(syncId), equalTo("COMPENSATED"));

    Map<String, List<Call>> pushes = callsOfSync(RECEIPTS, syncId);
    Map<String, List<Call>> retracts = callsOfSync(RETRACT, syncId);
    assertThat(pushes.values().stream().mapToInt(List::size).sum()).as("pushes: %s", pushes.keySet()).isEqualTo(2);
    String first = deviceAnswered(pushes, 200);
    String second = deviceAnswered(pushes, 410);
    assertThat(retracts.keySet()).as("only the receipt that was taken is retracted").containsExactly(first);
    Call retract = single(retracts.get(first));
    assertThat(json.readTree(retract.body()))
        .isEqualTo(json.valueToTree(Map.of("roomId", room, "upToSequence", 9, "syncId", syncId)));
    assertThat(retract.at()).isAfterOrEqualTo(single(pushes.get(first)).at());

    Call told = single(devices.calls(user, "phone", SYNC_FAILED));
    assertThat(json.readTree(told.body()))
        .isEqualTo(json.valueToTree(Map.of("syncId", syncId, "roomId", room)));
    assertThat(told.at()).isAfterOrEqualTo(retract.at());
    assertThat(pointer()).as("back to what the earlier sync had set").isEqualTo(5);
    assertThat(originMark(syncId)).as("undone").isNull();
    assertThat(steps(syncId))
        .containsEntry("MARK_ORIGIN_READ", "COMPENSATED")
        .containsEntry("MOVE_CLOUD_POINTER", "COMPENSATED")
        .containsEntry("PUSH_RECEIPT:" + first, "COMPENSATED")
        .containsEntry("PUSH_RECEIPT:" + second, "FAILED")
        .containsEntry("NOTIFY_ORIGIN", "DONE")
        .hasSize(5);
    assertThat(endedAt(syncId, "EndEvent_SyncCompensated")).isTrue();
  }

  @Test
  void aRetractionThatFailsTransiently_isRetried_andTheCompensationFinishes() throws Exception {
    registerDevices("phone", "laptop", "tablet");
    devices.answerInTurn(user, RECEIPTS, status(200), status(404));
    devices.answerInTurn(user, RETRACT, status(503), status(200));

    String syncId = read("phone", 7).getBody().get("syncId").asText();
    eventually().until(() -> syncStatus(syncId), equalTo("COMPENSATED"));

    String first = deviceAnswered(callsOfSync(RECEIPTS, syncId), 200);
    assertThat(devices.calls(user, first, RETRACT)).as("one 503, then one retry").hasSize(2);
    assertThat(single(devices.calls(user, "phone", SYNC_FAILED))).isNotNull();
    assertThat(steps(syncId)).containsEntry("PUSH_RECEIPT:" + first, "COMPENSATED");
    assertThat(pointer()).isZero();
    assertThat(endedAt(syncId, "EndEvent_SyncCompensated")).isTrue();
  }

  @Test
  void aPushThatFailsTransiently_isRetriedByTheEngine_andTheSyncCompletes() {
    registerDevices("phone", "laptop");
    devices.answerInTurn(user, RECEIPTS, status(503), status(200));

    String syncId = read("phone", 3).getBody().get("syncId").asText();
    eventually().until(() -> syncStatus(syncId), equalTo("COMPLETED"));

    assertThat(devices.calls(user, "laptop", RECEIPTS)).hasSize(2);
    assertThat(stepLog(syncId, "PUSH_RECEIPT:laptop")).containsExactly("RETRYING", "DONE");
    assertThat(pointer()).isEqualTo(3);
  }

  @Test
  void syncsOfOneUserAndRoomRacing_leaveThePointerAtTheHighestSequence() throws Exception {
    registerDevices("phone", "laptop");
    List<Long> sequences = new ArrayList<>(LongStream.rangeClosed(1, 8).boxed().toList());
    Collections.shuffle(sequences);

    List<String> syncIds = new ArrayList<>();
    ExecutorService clients = Executors.newFixedThreadPool(sequences.size());
    try {
      List<Callable<String>> requests =
          sequences.stream()
              .<Callable<String>>map(upTo -> () -> read("phone", upTo).getBody().get("syncId").asText())
              .toList();
      for (Future<String> started : clients.invokeAll(requests)) {
        syncIds.add(started.get());
      }
    } finally {
      clients.shutdownNow();
    }

    for (String syncId : syncIds) {
      eventually().until(() -> syncStatus(syncId), equalTo("COMPLETED"));
    }
    assertThat(pointer()).isEqualTo(8);
    String highest = syncIds.get(sequences.indexOf(8L));
    assertThat(steps(highest)).containsEntry("MOVE_CLOUD_POINTER", "DONE");
    for (String syncId : syncIds) {
      assertThat(steps(syncId).get("MOVE_CLOUD_POINTER")).isIn("DONE", "UNCHANGED");
    }
  }

  @Test
  void aRepeatedOrStaleRequest_isHarmless() {
    registerDevices("phone", "laptop");
    String firstSync = read("phone", 20).getBody().get("syncId").asText();
    eventually().until(() -> syncStatus(firstSync), equalTo("COMPLETED"));

    String repeated = read("phone", 20).getBody().get("syncId").asText();
    String stale = read("phone", 11).getBody().get("syncId").asText();
    eventually().until(() -> syncStatus(repeated), equalTo("COMPLETED"));
    eventually().until(() -> syncStatus(stale), equalTo("COMPLETED"));

    assertThat(repeated).isNotEqualTo(firstSync);
    assertThat(pointer()).isEqualTo(20);
    assertThat(steps(repeated)).containsEntry("MOVE_CLOUD_POINTER", "UNCHANGED");
    assertThat(steps(stale)).containsEntry("MOVE_CLOUD_POINTER", "UNCHANGED");
    assertThat(devices.calls(user, "laptop", RETRACT)).isEmpty();
  }

  @Test
  void badRequestsAreAnsweredWithProblemsNamingTheField() {
    registerDevices("phone");

    assertProblem(put("phone", Map.of("pushUrl", "ftp://devices.test/phone")), 400, "pushUrl");
    assertProblem(put("bad id!", Map.of("pushUrl", devices.pushUrl(user, "x"))), 400, "deviceId");
    assertProblem(post(Map.of("userId", user, "deviceId", "watch", "upToSequence", 3)), 400, "deviceId");
    assertProblem(post(Map.of("userId", user, "deviceId", "phone", "upToSequence", 0)), 400, "upToSequence");
    assertProblem(post(Map.of("deviceId", "phone", "upToSequence", 3)), 400, "userId");
    assertProblem(http.get().uri("/api/read-syncs/{id}", "no-such-sync").retrieve().toEntity(JsonNode.class), 404, null);
    assertThat(pointer()).as("never read").isZero();
  }

  private void registerDevices(String... deviceIds) {
    for (String deviceId : deviceIds) {
      ResponseEntity<JsonNode> answer = put(deviceId, Map.of("pushUrl", devices.pushUrl(user, deviceId)));
      assertThat(answer.getStatusCode()).isEqualTo(HttpStatus.NO_CONTENT);
    }
  }

  private ResponseEntity<JsonNode> put(String deviceId, Map<String, Object> body) {
    return http.put()
        .uri("/api/users/{user}/devices/{device}", user, deviceId)
        .contentType(MediaType.APPLICATION_JSON)
        .body(body)
        .retrieve()
        .toEntity(JsonNode.class);
  }

  private ResponseEntity<JsonNode> read(String deviceId, long upToSequence) {
    return post(Map.of("userId", user, "deviceId", deviceId, "upToSequence", upToSequence));
  }

  private ResponseEntity<JsonNode> post(Map<String, Object> body) {
    return http.post()
        .uri("/api/rooms/{room}/read", room)
        .contentType(MediaType.APPLICATION_JSON)
        .body(body)
        .retrieve()
        .toEntity(JsonNode.class);
  }

  private JsonNode sync(String syncId) {
    ResponseEntity<JsonNode> answer = http.get().uri("/api/read-syncs/{id}", syncId).retrieve().toEntity(JsonNode.class);
    assertThat(answer.getStatusCode()).isEqualTo(HttpStatus.OK);
    return answer.getBody();
  }

  private String syncStatus(String syncId) {
    return sync(syncId).get("status").asText();
  }

  /** The view's steps, in its order: step name to latest status. */
  private Map<String, String> steps(String syncId) {
    Map<String, String> steps = new LinkedHashMap<>();
    for (JsonNode step : sync(syncId).get("steps")) {
      assertThat(step.get("at").asText()).isNotBlank();
      steps.put(step.get("step").asText(), step.get("status").asText());
    }
    return steps;
  }

  /** Every logged outcome of one step, oldest first. */
  private List<String> stepLog(String syncId, String step) {
    return jdbc.queryForList(
        "select status from relay_read_sync_step where sync_id = ? and step = ? order by id", String.class, syncId, step);
  }

  private long pointer() {
    ResponseEntity<JsonNode> answer =
        http.get().uri("/api/users/{user}/rooms/{room}/read", user, room).retrieve().toEntity(JsonNode.class);
    assertThat(answer.getStatusCode()).isEqualTo(HttpStatus.OK);
    return answer.getBody().get("upToSequence").asLong();
  }

  /** The sync's mark on its origin device, or null when there is none or it was undone. */
  private Long originMark(String syncId) {
    return jdbc.queryForList(
            "select up_to_sequence from relay_device_read_mark where sync_id = ? and undone_at is null",
            Long.class,
            syncId)
        .stream()
        .findFirst()
        .orElse(null);
  }

  /** The calls of this kind that carried this sync, per device of the user. */
  private Map<String, List<Call>> callsOfSync(String call, String syncId) throws Exception {
    Map<String, List<Call>> byDevice = new LinkedHashMap<>();
    for (String device : devicesOf(user)) {
      List<Call> calls = new ArrayList<>();
      for (Call request : devices.calls(user, device, call)) {
        if (syncId.equals(json.readTree(request.body()).get("syncId").asText())) {
          calls.add(request);
        }
      }
      if (!calls.isEmpty()) {
        byDevice.put(device, calls);
      }
    }
    return byDevice;
  }

  private List<String> devicesOf(String userId) {
    return jdbc.queryForList("select device_id from relay_device where user_id = ?", String.class, userId);
  }

  /** The one device among these whose call was answered with this status. */
  private String deviceAnswered(Map<String, List<Call>> calls, int status) {
    List<String> answered = new ArrayList<>();
    calls.forEach(
        (device, requests) -> {
          if (requests.stream().anyMatch(r -> r.status() == status)) {
            answered.add(device);
          }
        });
    return single(answered);
  }

  /** Whether the saga's instance has ended, and passed this end event of its main flow. */
  private boolean endedAt(String syncId, String endEventId) {
    String instanceId =
        history.createHistoricProcessInstanceQuery()
            .processDefinitionKey(ReadReceiptSyncProcess.KEY)
            .processInstanceBusinessKey(syncId)
            .singleResult()
            .getId();
    eventually()
        .until(() -> history.createHistoricProcessInstanceQuery().processInstanceId(instanceId).finished().count(), equalTo(1L));
    return history.createHistoricActivityInstanceQuery()
            .processInstanceId(instanceId)
            .activityId(endEventId)
            .finished()
            .count()
        == 1;
  }

  private void assertProblem(ResponseEntity<JsonNode> answer, int status, String field) {
    assertThat(answer.getStatusCode().value()).isEqualTo(status);
    assertThat(answer.getHeaders().getContentType()).hasToString(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
    if (field != null) {
      List<String> fields =
          StreamSupport.stream(answer.getBody().get("errors").spliterator(), false)
              .map(error -> error.get("field").asText())
              .toList();
      assertThat(fields).containsExactly(field);
    }
  }
}
