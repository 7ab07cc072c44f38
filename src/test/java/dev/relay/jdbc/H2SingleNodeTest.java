package dev.relay.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.jdbc.core.JdbcTemplate;

@ExtendWith(OutputCaptureExtension.class)
class H2SingleNodeTest {

  private static final Instant NOW = Instant.parse("2026-12-02T12:00:00Z");

  private JdbcTemplate jdbc;

  @BeforeEach
  void database() {
    JdbcDataSource h2 = new JdbcDataSource();
    h2.setURL("jdbc:h2:mem:single-node-" + System.nanoTime() + ";DB_CLOSE_DELAY=-1");
    jdbc = new JdbcTemplate(h2);
    jdbc.execute("create table relay_node (node_id varchar(64) primary key, host varchar(255) not null,"
        + " seen_at timestamp with time zone not null)");
  }

  @Test
  void aSecondNodeOnTheSameH2_isToldAtOnce_andSoIsTheFirstOnItsNextBeat(CapturedOutput output) {
    H2SingleNode first = node(NOW);
    assertThat(first.beat()).isEmpty();
    assertThat(output).doesNotContain("H2 is for one node");

    H2SingleNode second = node(NOW.plusSeconds(2));
    assertThat(second.beat()).hasSize(1);
    assertThat(output).contains("Another Relay node").contains("H2 is for one node");
    assertThat(node(NOW.plusSeconds(4)).beat()).as("a third sees both").hasSize(2);
  }

  @Test
  void aNodeGoneQuietForLong_isNotCounted() {
    node(NOW).beat();
    H2SingleNode later = node(NOW.plus(H2SingleNode.GONE).plusSeconds(1));
    assertThat(later.beat()).isEmpty();
  }

  @Test
  void onPostgres_nothingIsWritten() {
    new H2SingleNode(jdbc, false, Clock.fixed(NOW, ZoneOffset.UTC)).start();
    assertThat(jdbc.queryForObject("select count(*) from relay_node", Integer.class)).isZero();
  }

  private H2SingleNode node(Instant now) {
    return new H2SingleNode(jdbc, true, Clock.fixed(now, ZoneOffset.UTC));
  }
}
