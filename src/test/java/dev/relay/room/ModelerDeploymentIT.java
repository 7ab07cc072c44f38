package dev.relay.room;

import static dev.relay.support.WebhookClient.delivered;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import org.camunda.bpm.engine.RepositoryService;
import org.camunda.bpm.engine.history.HistoricProcessInstance;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;

/**
 * An analyst's RoomDeliveryProcess, changed in Camunda Modeler and deployed as Modeler deploys it
 * (engine REST {@code deployment/create}, multipart, the administrator's basic auth): rooms
 * started afterwards run it, and a room's instance waiting in the old version is moved to it with
 * the migration API (docs/operations.md) and goes on there. The change: an idle room's instance
 * ends after PT1S instead of {@code relay.rooms.idle-timeout}, through an added step.
 */
class ModelerDeploymentIT extends RoomIntegrationTest {

  private static final String ADDED_STEP = "Event_RoomIdleNoted";

  @Autowired RepositoryService repository;

  private final List<String> deployments = new ArrayList<>();

  /** The other tests of this context run the diagram Relay ships. */
  @AfterEach
  void undeploy() {
    deployments.forEach(id -> repository.deleteDeployment(id, true));
  }

  @Test
  void roomsStartedAfterADeployment_runTheDeployedVersion() {
    String changed = deployAsModeler(changedRoomDelivery());
    String room = newId("modeled");
    String message = room + "-m1";

    sendAndAwaitAck(room, message);
    String instance = roomInstance(room).getId();
    assertThat(roomInstance(room).getProcessDefinitionId()).isEqualTo(changed);
    assertThat(callbacks(HOLDING_CHANNEL).send(delivered(message))).isEqualTo(200);
    endsIdleThroughTheAddedStep(instance, changed);
    assertRoomView(room, null, 0, 1);
  }

  @Test
  void aWaitingInstanceMigratedToTheDeployedVersion_goesOnThere() {
    String room = newId("migrated");
    String first = room + "-m1";
    String second = room + "-m2";
    sendAndAwaitAck(room, first);
    assertThat(callbacks(HOLDING_CHANNEL).send(delivered(first))).isEqualTo(200);
    eventually().until(() -> activeActivities(roomInstance(room)), equalTo(List.of("Task_AwaitNextMessage")));
    String instance = roomInstance(room).getId();
    String shipped = roomInstance(room).getProcessDefinitionId();
    String changed = deployAsModeler(changedRoomDelivery());

    JsonNode plan = post("migration/generate", Map.of(
        "sourceProcessDefinitionId", shipped, "targetProcessDefinitionId", changed)).getBody();
    ResponseEntity<JsonNode> migrated = post("migration/execute", Map.of(
        "migrationPlan", plan, "processInstanceIds", List.of(instance)));

    assertThat(migrated.getStatusCode()).isEqualTo(HttpStatus.NO_CONTENT);
    assertThat(roomInstance(room).getId()).isEqualTo(instance);
    assertThat(roomInstance(room).getProcessDefinitionId()).isEqualTo(changed);
    assertThat(activeActivities(roomInstance(room))).containsExactly("Task_AwaitNextMessage");

    sendAndAwaitAck(room, second);
    assertThat(provider.calls(second)).hasSize(1);
    assertThat(currentMessage(room)).isEqualTo(second);
    assertThat(callbacks(HOLDING_CHANNEL).send(delivered(second))).isEqualTo(200);
    endsIdleThroughTheAddedStep(instance, changed);
    assertThat(instanceCount(RoomDeliveryProcess.KEY, room)).isEqualTo(1);
    assertThat(providerCallsOfRoom(room)).containsExactly(first, second);
    assertRoomView(room, null, 0, 2);
  }

  /** Sends the message to the room; returns once the room's instance waits for its ACK. */
  private void sendAndAwaitAck(String room, String messageId) {
    assertThat(api.send(message(messageId, room, HOLDING_CHANNEL)).getStatusCode()).isEqualTo(HttpStatus.ACCEPTED);
    eventually().until(() -> activeActivities(roomInstance(room)), equalTo(List.of("Task_AwaitDeliveryReport")));
  }

  private void endsIdleThroughTheAddedStep(String instance, String definition) {
    HistoricProcessInstance ended =
        eventually().until(
            () -> history.createHistoricProcessInstanceQuery().processInstanceId(instance).finished().singleResult(),
            Objects::nonNull);
    assertThat(ended.getProcessDefinitionId()).isEqualTo(definition);
    assertThat(passedActivities(instance)).endsWith("Timer_RoomIdle", ADDED_STEP, "EndEvent_RoomIdle");
  }

  /**
   * {@code POST /engine-rest/deployment/create} as Camunda Modeler sends it (here to this test's
   * engine by name): the diagram as a file part, a name and the source.
   *
   * @return the id of the RoomDeliveryProcess version it made
   */
  private String deployAsModeler(String bpmn) {
    MultiValueMap<String, Object> form = new LinkedMultiValueMap<>();
    form.add("deployment-name", "room-delivery");
    form.add("deployment-source", "Camunda Modeler");
    form.add("data", new ByteArrayResource(bpmn.getBytes(StandardCharsets.UTF_8)) {
      @Override
      public String getFilename() {
        return "room-delivery.bpmn";
      }
    });
    ResponseEntity<JsonNode> answer =
        http.post()
            .uri("/engine-rest/engine/{engine}/deployment/create", engine.getName())
            .header(HttpHeaders.AUTHORIZATION, operator())
            .contentType(MediaType.MULTIPART_FORM_DATA)
            .body(form)
            .retrieve()
            .toEntity(JsonNode.class);
    assertThat(answer.getStatusCode()).isEqualTo(HttpStatus.OK);
    deployments.add(answer.getBody().get("id").asText());
    JsonNode definitions = answer.getBody().get("deployedProcessDefinitions");
    assertThat(definitions.size()).isEqualTo(1);
    JsonNode definition = definitions.elements().next();
    assertThat(definition.get("key").asText()).isEqualTo(RoomDeliveryProcess.KEY);
    return definition.get("id").asText();
  }

  private ResponseEntity<JsonNode> post(String path, Map<String, Object> body) {
    ResponseEntity<JsonNode> answer =
        http.post()
            .uri("/engine-rest/engine/{engine}/" + path, engine.getName())
            .header(HttpHeaders.AUTHORIZATION, operator())
            .contentType(MediaType.APPLICATION_JSON)
            .body(body)
            .retrieve()
            .toEntity(JsonNode.class);
    assertThat(answer.getStatusCode().is2xxSuccessful()).as("%s: %s", path, answer.getBody()).isTrue();
    return answer;
  }

  /**
   * room-delivery.bpmn as shipped, with the analyst's change: the idle timer fixed at one second,
   * and a step between it and the end.
   */
  private static String changedRoomDelivery() {
    String shipped;
    try (InputStream in = ModelerDeploymentIT.class.getResourceAsStream("/bpmn/room-delivery.bpmn")) {
      shipped = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return replace(
        replace(
            replace(shipped, "${roomPolicies.idleTimeout()}", "PT1S"),
            "<bpmn:incoming>Flow_RoomIdle</bpmn:incoming>",
            "<bpmn:incoming>Flow_IdleNoted</bpmn:incoming>"),
        "<bpmn:sequenceFlow id=\"Flow_RoomIdle\" sourceRef=\"Timer_RoomIdle\" targetRef=\"EndEvent_RoomIdle\" />",
        """
        <bpmn:intermediateThrowEvent id="%s" name="Room idle noted">
          <bpmn:incoming>Flow_RoomIdle</bpmn:incoming>
          <bpmn:outgoing>Flow_IdleNoted</bpmn:outgoing>
        </bpmn:intermediateThrowEvent>
        <bpmn:sequenceFlow id="Flow_RoomIdle" sourceRef="Timer_RoomIdle" targetRef="%s" />
        <bpmn:sequenceFlow id="Flow_IdleNoted" sourceRef="%s" targetRef="EndEvent_RoomIdle" />
        """.formatted(ADDED_STEP, ADDED_STEP, ADDED_STEP));
  }

  /** The one occurrence of the text, replaced: the shipped diagram still has what is changed. */
  private static String replace(String diagram, String text, String replacement) {
    assertThat(diagram.split(Pattern.quote(text), -1)).as(text).hasSize(2);
    return diagram.replace(text, replacement);
  }
}
