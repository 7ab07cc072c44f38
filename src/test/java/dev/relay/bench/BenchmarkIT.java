package dev.relay.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The benchmark at a small scale, so that it keeps working: it runs end to end (PostgreSQL, the
 * simulator and Relay in processes of their own) and reports nothing lost and nothing out of
 * order. Its speed is not checked here; docs/benchmarks.md has the real runs.
 */
class BenchmarkIT {

  @Test
  void oneNode_everyMessageDelivered_noneLost_noneOutOfOrder() throws Exception {
    Path out = out("one-node");

    Result result = Benchmark.run(Options.parse("--rooms=20", "--messages-per-room=5",
        "--rate=20", "--duration=5s", "--warm-up=1s", "--settle=3s", "--drain-timeout=120s",
        "--request-cost=50", "--out=" + out));

    assertThat(result.intakeRequests().accepted()).isEqualTo(100);
    assertThat(result.lost()).as("lost; %s", result.problems()).isZero();
    assertThat(result.orderViolations()).as("out of order; %s", result.problems()).isZero();
    assertThat(result.delivered()).as("delivered; %s", result.problems()).isEqualTo(100);
    assertThat(result.intakeInRelay().count())
        .as("the load's intakes in the node's access log, not the warm-up's").isEqualTo(100);
    assertThat(result.webhookInRelay().count()).isPositive();
    assertThat(result.settled()).satisfies(settled -> {
      assertThat(settled.afterSeconds()).isEqualTo(3);
      // the last 2 of the load's 5 seconds: ~40 of its 100 requests
      assertThat(settled.intake().count()).isBetween(30L, 50L);
      assertThat(settled.intakeInRelay().count()).isBetween(30L, 50L);
      assertThat(settled.ackToNextDispatch().count())
          .isPositive().isLessThan(result.ackToNextDispatch().count());
    });
    assertThat(result.processes()).filteredOn(p -> p.name().equals("relay-1")).singleElement()
        .satisfies(node -> assertThat(node.cpuMsPerMessageLastMinute())
            .as("the warm figure: the node's CPU over the messages the load's end delivered")
            .isPositive().isFinite());
    assertThat(result.requestCostMs()).hasSize(3).allSatisfy((kind, ms) -> assertThat(ms)
        .as(kind).isPositive());
    assertThat(result.referenceWorkMsAtStart()).as("the machine's speed before the run")
        .isPositive();
    assertThat(result.referenceWorkMsAtEnd()).as("and after it").isPositive();
    assertThat(Files.readString(out.resolve("result.json"))).contains("\"referenceWorkMsAtStart\"");
    assertThat(out.resolve("timeseries.csv")).isNotEmptyFile();
    assertThat(out.resolve("plot.png")).isNotEmptyFile();
    assertThat(out.resolve("statements.csv")).isNotEmptyFile();
    // the database's statistics reach it within seconds: the rows are there, not their exact count
    assertThat(Files.readAllLines(out.resolve("tables.csv")))
        .anySatisfy(row -> assertThat(row).startsWith("relay_message,").doesNotStartWith(
            "relay_message,0.000,"));
  }

  @Test
  void twoNodesOnOneDatabase_everyMessageDelivered_noneLost_noneOutOfOrder() throws Exception {
    Result result = Benchmark.run(Options.parse("--nodes=2", "--rooms=10",
        "--messages-per-room=4", "--rate=20", "--duration=2s", "--warm-up=0s", "--drain-timeout=120s",
        "--pg-settings=autovacuum_naptime=10s", "--out=" + out("two-nodes")));

    assertThat(result.intakeRequests().accepted()).isEqualTo(40);
    assertThat(result.lost()).as("lost; %s", result.problems()).isZero();
    assertThat(result.orderViolations()).as("out of order; %s", result.problems()).isZero();
    assertThat(result.delivered()).as("delivered; %s", result.problems()).isEqualTo(40);
    assertThat(result.processes()).extracting(Result.ProcessFigures::name)
        .containsExactly("relay-1", "relay-2", "simulator", "postgres", "harness");
    assertThat(result.settled()).as("a load no longer than --settle (120 s)").isNull();
    assertThat(result.databaseSettings())
        .as("the server ran with the setting given, and the report says so")
        .containsEntry("autovacuum_naptime", "10s")
        .containsEntry("synchronous_commit", "on");
  }

  /** Under the build directory (-DbuildDir=... included), beside the test classes. */
  private static Path out(String run) throws Exception {
    Path testClasses =
        Path.of(BenchmarkIT.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    return testClasses.getParent().resolve("bench-it").resolve(run);
  }
}
