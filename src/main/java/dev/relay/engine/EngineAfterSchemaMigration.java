package dev.relay.engine;

import java.util.Arrays;
import java.util.stream.Stream;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The engine starts after Flyway has migrated Relay's tables. Otherwise whichever bean first
 * needs the engine decides the order, and on an empty database the engine's tables come first
 * and Flyway then refuses a non-empty schema without its history.
 */
@Configuration
class EngineAfterSchemaMigration {

  private static final String ENGINE = "processEngineFactoryBean";
  private static final String FLYWAY = "flywayInitializer";

  @Bean
  static BeanFactoryPostProcessor engineDependsOnFlyway() {
    return beanFactory -> {
      if (beanFactory.containsBeanDefinition(ENGINE) && beanFactory.containsBeanDefinition(FLYWAY)) {
        BeanDefinition engine = beanFactory.getBeanDefinition(ENGINE);
        String[] before = engine.getDependsOn() == null ? new String[0] : engine.getDependsOn();
        engine.setDependsOn(
            Stream.concat(Arrays.stream(before), Stream.of(FLYWAY)).toArray(String[]::new));
      }
    };
  }
}
