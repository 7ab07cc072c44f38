package dev.relay;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static dev.relay.support.RelayApi.events;
import static dev.relay.support.RelayApi.newMessage;
import static dev.relay.support.WebhookClient.delivered;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relay.support.RelayIntegrationTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * docker/: the compose file runs what docs/operations.md describes, Prometheus scrapes exactly
 * its Relay nodes as the prod profile lets it (a login), and the Grafana dashboard queries only
 * metrics that a Relay node really exports: its names are checked against this node's scrape,
 * after traffic that makes every metric appear (counters appear at their first count).
 */
class DockerComposeIT extends RelayIntegrationTest {

  private static final Path DOCKER = Path.of("docker");
  /** A metric name in PromQL, always written with a selector in the dashboard: name{...}. */
  private static final Pattern SELECTED = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)\\{([^}]*)}");
  /** Any name with an underscore that is not a function call: a metric, selected or not. */
  private static final Pattern METRIC_LIKE = Pattern.compile("\\b([a-zA-Z][a-zA-Z0-9]*_[a-zA-Z0-9_:]*)\\b(?!\\s*\\()");

  private final ObjectMapper json = new ObjectMapper();

  @Test
  void composeRunsPostgresTwoNodesPrometheusAndGrafana() throws IOException {
    Map<String, Map<String, Object>> services = services();

    assertThat(services).containsKeys("postgres", "relay-1", "relay-2", "prometheus", "grafana");
    assertThat(relayNodes(services)).containsExactly("relay-1", "relay-2");
    assertThat(mounts(services.get("grafana")))
        .contains(
            "./grafana/provisioning:/etc/grafana/provisioning:ro",
            "./grafana/dashboards:/var/lib/grafana/dashboards:ro");
  }

  @Test
  void prometheusScrapesEveryNode_loggedInAsTheNodesAdministrator() throws IOException {
    Map<String, Map<String, Object>> services = services();
    Map<String, Object> prometheus = services.get("prometheus");
    assertThat(mounts(prometheus)).contains("./prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro");

    Map<String, Object> config = yaml(DOCKER.resolve("prometheus/prometheus.yml"));
    List<Map<String, Object>> jobs = list(config.get("scrape_configs"));
    assertThat(jobs).hasSize(1);
    Map<String, Object> job = jobs.get(0);
    assertThat(job.get("job_name")).isEqualTo("relay");
    assertThat(job.get("metrics_path")).isEqualTo("/actuator/prometheus");
    Set<String> targets = new TreeSet<>();
    for (Map<String, Object> group : list(job.get("static_configs"))) {
      targets.addAll(strings(group.get("targets")));
    }
    assertThat(targets)
        .isEqualTo(relayNodes(services).stream().map(node -> node + ":8080").collect(Collectors.toSet()));

    // the files the basic auth reads are written from the administrator the nodes are given
    Map<String, Object> auth = map(job.get("basic_auth"));
    assertThat(String.join(" ", strings(prometheus.get("entrypoint"))))
        .contains("\"$$RELAY_ADMIN_USER\" > " + auth.get("username_file"))
        .contains("\"$$RELAY_ADMIN_PASSWORD\" > " + auth.get("password_file"));
    Map<String, Object> nodeEnvironment = map(services.get("relay-1").get("environment"));
    Map<String, Object> prometheusEnvironment = map(prometheus.get("environment"));
    for (String variable : List.of("RELAY_ADMIN_USER", "RELAY_ADMIN_PASSWORD")) {
      assertThat(prometheusEnvironment.get(variable)).as(variable).isEqualTo(nodeEnvironment.get(variable));
    }
  }

  @Test
  void grafanasDashboard_queriesOnlyMetricsRelayExports_fromThePrometheusDatasource() throws Exception {
    Map<String, Object> datasources = yaml(DOCKER.resolve("grafana/provisioning/datasources/prometheus.yml"));
    Map<String, Object> datasource = list(datasources.get("datasources")).get(0);
    assertThat(datasource.get("url")).isEqualTo("http://prometheus:9090");
    JsonNode dashboard = json.readTree(DOCKER.resolve("grafana/dashboards/relay.json").toFile());
    List<String> queries = new ArrayList<>();
    for (JsonNode panel : dashboard.get("panels")) {
      for (JsonNode target : panel.path("targets")) {
        assertThat(target.at("/datasource/uid").asText()).isEqualTo(datasource.get("uid"));
        queries.add(target.get("expr").asText());
      }
    }
    assertThat(queries).isNotEmpty();

    Set<String> queried = new TreeSet<>();
    for (String query : queries) {
      Set<String> selected = new TreeSet<>();
      Matcher metric = SELECTED.matcher(query);
      while (metric.find()) {
        selected.add(metric.group(1));
        // the job prometheus.yml scrapes Relay as
        assertThat(metric.group(2)).as(query).contains("job=\"relay\"");
      }
      Matcher name = METRIC_LIKE.matcher(query.replaceAll("\\{[^}]*}", "{}"));
      while (name.find()) {
        assertThat(selected).as("every metric of " + query + " has a selector").contains(name.group(1));
      }
      assertThat(selected).as(query).isNotEmpty();
      queried.addAll(selected);
    }

    makeEveryMetricAppear();
    eventually().untilAsserted(() -> assertThat(exported()).containsAll(queried));
  }

  /**
   * A delivered message whose first call failed (accepted, dispatched, provider errors, outcome,
   * ACK delay) and one never acknowledged (ACK gate timeout, its resend).
   */
  private void makeEveryMetricAppear() {
    String failedFirst = newId("metrics");
    provider.answerFirst(failedFirst, aResponse().withStatus(503));
    api.send(newMessage(failedFirst, newId("room"), "hello", null));
    eventually().until(() -> "DISPATCHED".equals(api.status(failedFirst)));
    webhook.send(delivered(failedFirst));
    eventually().until(() -> "DELIVERED".equals(api.status(failedFirst)));

    String unacknowledged = newId("metrics");
    api.send(newMessage(unacknowledged, newId("room"), "hello", null));
    eventually().until(() -> events(api.message(unacknowledged)).contains("ACK_GATE_TIMEOUT"));
  }

  /** The metric names this node's /actuator/prometheus answers with. */
  private Set<String> exported() {
    return api.prometheus().lines()
        .filter(line -> !line.isBlank() && !line.startsWith("#"))
        .map(line -> line.split("[{ ]", 2)[0])
        .collect(Collectors.toCollection(TreeSet::new));
  }

  /** The Relay nodes that run without a profile: built from docker/Dockerfile. */
  private static List<String> relayNodes(Map<String, Map<String, Object>> services) {
    return services.entrySet().stream()
        .filter(s -> s.getValue().get("build") instanceof Map<?, ?> build
            && "docker/Dockerfile".equals(build.get("dockerfile")))
        .filter(s -> !s.getValue().containsKey("profiles"))
        .map(Map.Entry::getKey)
        .sorted()
        .toList();
  }

  private static Map<String, Map<String, Object>> services() throws IOException {
    Map<String, Object> compose = yaml(DOCKER.resolve("compose.yaml"));
    Map<String, Map<String, Object>> services = new java.util.TreeMap<>();
    map(compose.get("services")).forEach((name, service) -> services.put(name, map(service)));
    return services;
  }

  private static List<String> mounts(Map<String, Object> service) {
    return strings(service.get("volumes"));
  }

  private static Map<String, Object> yaml(Path file) throws IOException {
    return new Yaml().load(Files.readString(file));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object yaml) {
    return (Map<String, Object>) yaml;
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> list(Object yaml) {
    return (List<Map<String, Object>>) yaml;
  }

  @SuppressWarnings("unchecked")
  private static List<String> strings(Object yaml) {
    return (List<String>) yaml;
  }
}
