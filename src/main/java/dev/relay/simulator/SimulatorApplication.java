package dev.relay.simulator;

import java.util.Map;
import org.camunda.bpm.spring.boot.starter.CamundaBpmAutoConfiguration;
import org.camunda.bpm.spring.boot.starter.rest.CamundaBpmRestJerseyAutoConfiguration;
import org.camunda.bpm.spring.boot.starter.webapp.CamundaBpmWebappAutoConfiguration;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.flyway.FlywayAutoConfiguration;
import org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration;
import org.springframework.context.annotation.Import;

/**
 * The provider simulator as a process of its own: the simulator's beans, Spring MVC and {@code
 * /actuator/health}; no process engine, no database, none of Relay's beans. Configured with {@code
 * --server.port=...} and {@code --relay.simulator.*=...} arguments. The benchmark runs it with
 * its own figures added ({@code dev.relay.bench.BenchSimulator}, in the test sources).
 *
 * <p>Deliberately not a {@code @Configuration}: Relay's component scan would pick it up, and Spring
 * Boot applies the exclusions of every {@code @EnableAutoConfiguration} it meets to the whole
 * context, so Relay would lose its DataSource and its engine.
 */
@EnableAutoConfiguration(
    exclude = {
      DataSourceAutoConfiguration.class,
      FlywayAutoConfiguration.class,
      CamundaBpmAutoConfiguration.class,
      CamundaBpmRestJerseyAutoConfiguration.class,
      CamundaBpmWebappAutoConfiguration.class
    })
@Import({SimulatorConfiguration.class, SimulatorController.class})
public class SimulatorApplication {

  public static void main(String[] args) {
    application().run(args);
  }

  /** The application {@code main} runs; tools add sources of their own to it before it runs. */
  public static SpringApplication application() {
    SpringApplication application = new SpringApplication(SimulatorApplication.class);
    application.setDefaultProperties(
        Map.of(
            "relay.simulator.enabled", "true",
            // Relay's application.yml (H2, the demo profile, port 8080) is not for this process
            "spring.config.name", "relay-simulator",
            "spring.application.name", "relay-simulator",
            "spring.main.banner-mode", "off")); // Camunda's banner would claim an engine
    return application;
  }
}
