package dev.relay;

import javax.xml.datatype.DatatypeFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.scheduling.annotation.EnableScheduling;

@SpringBootApplication
@ConfigurationPropertiesScan
@EnableScheduling
public class RelayApplication {

  public static void main(String[] args) {
    // Without it every timer the engine schedules looks the factory up on the whole class path
    // (DatatypeFactory.newInstance in DurationHelper): 4 % of a busy node's CPU
    System.setProperty(DatatypeFactory.DATATYPEFACTORY_PROPERTY,
        System.getProperty(DatatypeFactory.DATATYPEFACTORY_PROPERTY,
            DatatypeFactory.DATATYPEFACTORY_IMPLEMENTATION_CLASS));
    SpringApplication.run(RelayApplication.class, args);
  }
}
