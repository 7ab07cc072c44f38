package dev.relay.bench;

import dev.relay.simulator.SimulatorApplication;
import dev.relay.simulator.SimulatorInbox;
import java.util.List;
import org.springframework.boot.SpringApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.web.servlet.function.RouterFunction;
import org.springframework.web.servlet.function.RouterFunctions;
import org.springframework.web.servlet.function.ServerResponse;

/**
 * The provider simulator as the benchmark runs it, in a process of its own: {@link
 * SimulatorApplication} plus the figures only the benchmark reads ({@link BenchRecorder}):
 *
 * <ul>
 *   <li>{@code GET /simulator/bench/interval}: the sampler's counts since the previous call, which
 *       starts the next interval;
 *   <li>{@code GET /simulator/bench/first-attempts?recipientPrefix=}: the check's first attempts
 *       per recipient in arrival order, with their ACK times.
 * </ul>
 *
 * <p>Deliberately neither a {@code @Configuration} nor a controller (its endpoints are a router
 * function): Relay's component scan in the integration tests must not pick any of it up.
 */
public final class BenchSimulator {

  public static void main(String[] args) {
    application().run(args);
  }

  static SpringApplication application() {
    SpringApplication application = SimulatorApplication.application();
    application.addPrimarySources(List.of(BenchSimulator.class));
    return application;
  }

  @Bean
  BenchRecorder benchRecorder(SimulatorInbox inbox) {
    return new BenchRecorder(inbox);
  }

  @Bean
  RouterFunction<ServerResponse> benchFigures(BenchRecorder recorder) {
    return RouterFunctions.route()
        .GET("/simulator/bench/interval", request -> ServerResponse.ok().body(recorder.interval()))
        .GET("/simulator/bench/first-attempts", request -> ServerResponse.ok()
            .body(recorder.firstAttempts(request.param("recipientPrefix").orElse(""))))
        .build();
  }
}
