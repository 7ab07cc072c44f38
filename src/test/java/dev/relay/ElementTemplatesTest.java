package dev.relay;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.beans.Introspector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.camunda.bpm.model.bpmn.Bpmn;
import org.camunda.bpm.model.bpmn.instance.ServiceTask;
import org.camunda.bpm.model.bpmn.instance.camunda.CamundaFailedJobRetryTimeCycle;
import org.camunda.bpm.model.bpmn.instance.camunda.CamundaProperties;
import org.camunda.bpm.model.bpmn.instance.camunda.CamundaProperty;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.context.annotation.ClassPathScanningCandidateComponentProvider;
import org.springframework.core.type.filter.AssignableTypeFilter;
import org.springframework.stereotype.Component;

/**
 * The Camunda Modeler element templates in {@code .camunda/element-templates} (Modeler finds them
 * beside any diagram of this work tree) let an analyst add Relay's steps with a form. Each must
 * name a delegate bean that exists, and set what the diagrams' own tasks of that delegate set.
 */
class ElementTemplatesTest {

  private static final Path TEMPLATES = Path.of(".camunda", "element-templates");
  private static final Path DIAGRAMS = Path.of("src", "main", "resources", "bpmn");
  private static final String CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn";
  private static final String SCHEMA =
      "https://unpkg.com/@camunda/element-templates-json-schema/resources/schema.json";
  private static final Set<String> CAMUNDA_7_BINDINGS =
      Set.of("property", "camunda:property", "camunda:inputParameter", "camunda:outputParameter",
          "camunda:in", "camunda:out", "camunda:in:businessKey", "camunda:executionListener",
          "camunda:field", "camunda:errorEventDefinition");

  @Test
  void templatesOfTheTwoSteps_areThere() throws Exception {
    assertThat(templates()).extracting(t -> t.get("id").asText())
        .containsExactlyInAnyOrder("dev.relay.DispatchToChannel", "dev.relay.FallbackEmail");
  }

  @Test
  void everyTemplateIsACamunda7ServiceTaskTemplate() throws Exception {
    for (JsonNode template : templates()) {
      String id = template.get("id").asText();
      assertThat(template.get("$schema").asText()).as(id).isEqualTo(SCHEMA);
      assertThat(template.get("name").asText()).as(id).isNotBlank();
      assertThat(template.get("version").isInt()).as(id).isTrue();
      assertThat(template.get("appliesTo")).extracting(JsonNode::asText).as(id).containsExactly("bpmn:ServiceTask");
      for (JsonNode property : template.get("properties")) {
        assertThat(property.at("/binding/type").asText()).as(id).isIn(CAMUNDA_7_BINDINGS);
      }
    }
  }

  @Test
  void everyTemplatesDelegateIsABeanOfRelay() throws Exception {
    Set<String> delegates = delegateBeans();
    for (JsonNode template : templates()) {
      assertThat(delegates).as(template.get("id").asText()).contains(beanName(delegateExpression(template)));
    }
  }

  /**
   * Every binding holds on each task of the diagrams with the template's delegate; the retry
   * cycle, which no template can set, is the one its description asks for.
   */
  @Test
  void everyTemplateSetsWhatTheDiagramsTasksOfItsDelegateSet() throws Exception {
    for (JsonNode template : templates()) {
      String id = template.get("id").asText();
      List<ServiceTask> tasks = tasksOf(delegateExpression(template));
      assertThat(tasks).as("tasks of %s in the diagrams", id).isNotEmpty();
      for (ServiceTask task : tasks) {
        for (JsonNode property : template.get("properties")) {
          JsonNode binding = property.get("binding");
          String value = property.get("value").asText();
          String name = binding.get("name").asText();
          switch (binding.get("type").asText()) {
            case "property" ->
                assertThat(task.getAttributeValueNs(CAMUNDA_NS, name.substring("camunda:".length())))
                    .as("%s: %s of %s", id, name, task.getId())
                    .isEqualTo(value);
            case "camunda:property" ->
                assertThat(extensionProperty(task, name)).as("%s: property %s of %s", id, name, task.getId())
                    .isEqualTo(value);
            default -> throw new AssertionError(id + ": no check for binding " + binding);
          }
        }
        String retryCycle = retryCycle(task);
        assertThat(retryCycle).as("retry cycle of %s", task.getId()).isNotNull();
        assertThat(template.get("description").asText()).as(id).contains(retryCycle);
      }
    }
  }

  private static List<JsonNode> templates() throws Exception {
    List<JsonNode> templates = new ArrayList<>();
    try (Stream<Path> files = Files.list(TEMPLATES)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
        JsonNode content = new ObjectMapper().readTree(file.toFile());
        if (content.isArray()) {
          content.forEach(templates::add);
        } else {
          templates.add(content);
        }
      }
    }
    return templates;
  }

  private static String delegateExpression(JsonNode template) {
    for (JsonNode property : template.get("properties")) {
      if (property.at("/binding/name").asText().equals("camunda:delegateExpression")) {
        return property.get("value").asText();
      }
    }
    throw new AssertionError(template.get("id").asText() + " sets no camunda:delegateExpression");
  }

  /** "${name}" → name. */
  private static String beanName(String delegateExpression) {
    assertThat(delegateExpression).matches("\\$\\{[A-Za-z][A-Za-z0-9]*}");
    return delegateExpression.substring(2, delegateExpression.length() - 1);
  }

  /** The names of Relay's JavaDelegate components. */
  private static Set<String> delegateBeans() throws Exception {
    ClassPathScanningCandidateComponentProvider scanner = new ClassPathScanningCandidateComponentProvider(false);
    scanner.addIncludeFilter(new AssignableTypeFilter(JavaDelegate.class));
    Set<String> names = new TreeSet<>();
    for (BeanDefinition candidate : scanner.findCandidateComponents("dev.relay")) {
      Class<?> type = Class.forName(candidate.getBeanClassName());
      Component component = type.getAnnotation(Component.class);
      if (component != null) {
        names.add(component.value().isEmpty() ? Introspector.decapitalize(type.getSimpleName()) : component.value());
      }
    }
    return names;
  }

  private static List<ServiceTask> tasksOf(String delegateExpression) throws Exception {
    List<ServiceTask> tasks = new ArrayList<>();
    try (Stream<Path> files = Files.list(DIAGRAMS)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".bpmn")).toList()) {
        Bpmn.readModelFromFile(file.toFile()).getModelElementsByType(ServiceTask.class).stream()
            .filter(task -> delegateExpression.equals(task.getCamundaDelegateExpression()))
            .forEach(tasks::add);
      }
    }
    return tasks;
  }

  private static String extensionProperty(ServiceTask task, String name) {
    return task.getExtensionElements() == null
        ? null
        : task.getExtensionElements().getElementsQuery().filterByType(CamundaProperties.class).list().stream()
            .flatMap(properties -> properties.getCamundaProperties().stream())
            .filter(property -> name.equals(property.getCamundaName()))
            .map(CamundaProperty::getCamundaValue)
            .findFirst()
            .orElse(null);
  }

  private static String retryCycle(ServiceTask task) {
    return task.getExtensionElements() == null
        ? null
        : task.getExtensionElements().getElementsQuery().filterByType(CamundaFailedJobRetryTimeCycle.class).list()
            .stream()
            .map(CamundaFailedJobRetryTimeCycle::getTextContent)
            .findFirst()
            .orElse(null);
  }
}
