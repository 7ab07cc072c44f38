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
    defaultProperty(DatatypeFactory.DATATYPEFACTORY_PROPERTY,
        DatatypeFactory.DATATYPEFACTORY_IMPLEMENTATION_CLASS);
    // Provider and device calls keep their connections alive in the JDK's cache, which holds at
    // most this many idle ones per server (5 unless set): as many as the job threads calling at once
    defaultProperty("http.maxConnections", "32");
    SpringApplication.run(RelayApplication.class, args);
  }

  /** Sets a JVM-wide property unless the command line did; only before its first reader. */
  private static void defaultProperty(String name, String value) {
    System.setProperty(name, System.getProperty(name, value));
  }
}
