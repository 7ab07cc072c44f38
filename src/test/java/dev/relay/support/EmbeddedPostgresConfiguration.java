package dev.relay.support;

import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import javax.sql.DataSource;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;
import org.springframework.context.annotation.Profile;

/**
 * Profile "postgres": a real PostgreSQL from Maven artifacts (zonky), one per Spring context. A
 * Spring bean, so Spring closes it in order, after the engine; zonky's own shutdown hook is off,
 * as it would stop the database under the closing engine (which then waits 30 s for a connection).
 */
@TestConfiguration(proxyBeanMethods = false)
@Profile("postgres")
public class EmbeddedPostgresConfiguration {

  @Bean(destroyMethod = "close")
  EmbeddedPostgres embeddedPostgres() throws IOException {
    return EmbeddedPostgres.builder().setRegisterShutdownHook(false).start();
  }

  @Bean
  @Primary
  DataSource dataSource(EmbeddedPostgres postgres) {
    HikariDataSource dataSource = new HikariDataSource();
    dataSource.setJdbcUrl(postgres.getJdbcUrl("postgres", "postgres"));
    dataSource.setUsername("postgres");
    dataSource.setMaximumPoolSize(20);
    return dataSource;
  }
}
