package dev.relay.engine;

import org.camunda.bpm.spring.boot.starter.property.CamundaBpmProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.event.EventListener;
import org.springframework.core.env.Environment;
import org.springframework.core.env.Profiles;
import org.springframework.stereotype.Component;

/** Tells a newcomer where to look once the node is up. */
@Component
class StartupBanner {

  private static final Logger log = LoggerFactory.getLogger(StartupBanner.class);

  private final CamundaBpmProperties camunda;
  private final Environment environment;

  StartupBanner(CamundaBpmProperties camunda, Environment environment) {
    this.camunda = camunda;
    this.environment = environment;
  }

  @EventListener
  void ready(ApplicationReadyEvent event) {
    int port =
        event.getApplicationContext() instanceof WebServerApplicationContext web
            ? web.getWebServer().getPort()
            : 8080;
    String base = "http://localhost:" + port;
    var admin = camunda.getAdminUser();
    boolean demo = environment.acceptsProfiles(Profiles.of("demo"));
    log.info(
        "Relay is up. API {}/api/messages | Cockpit {}/camunda/app/ (login: {} / {}) | engine REST {}/engine-rest",
        base,
        base,
        admin == null ? "-" : admin.getId(),
        demo && admin != null ? admin.getPassword() : "<from RELAY_ADMIN_PASSWORD>",
        base);
  }
}
