package dev.relay.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;
import static org.assertj.core.api.Assertions.within;

import dev.relay.support.ChildJvm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The benchmark runs a node as the image does, unless asked to run it otherwise, and warms it up
 * at the load's rate, or at one that rises to it.
 */
class OptionsTest {

  @Test
  void aNodeRunsTheImagesCollector() throws IOException {
    String entrypoint =
        Files.readAllLines(Path.of("docker/Dockerfile")).stream()
            .filter(line -> line.startsWith("ENTRYPOINT"))
            .findFirst()
            .orElseThrow();

    assertThat(entrypoint).contains("\"" + Options.PRODUCTION_COLLECTOR + "\"");
    Options options = Options.parse(new String[] {"--relay-jvm-args=-Dx=1"});
    assertThat(options.relayJvmArgs()).containsExactly(Options.PRODUCTION_COLLECTOR, "-Dx=1");
    assertThat(options.commandLine())
        .as("the printed options say which collector ran")
        .endsWith("\"--relay-jvm-args=" + Options.PRODUCTION_COLLECTOR + " -Dx=1\"");
  }

  @Test
  void aCollectorInTheOptions_replacesTheImagesCollector() {
    assertThat(Options.withCollector(List.of("-XX:+UseG1GC", "-Dx=1")))
        .containsExactly("-XX:+UseG1GC", "-Dx=1");
  }

  @Test
  void aNodeRunsTheBenchmarksJava_unlessTheOptionsNameAnother() {
    assertThat(Options.parse().relayJava()).isEqualTo(ChildJvm.OWN_JAVA);
    assertThat(Options.parse().commandLine()).doesNotContain("--relay-java");

    Options other = Options.parse("--relay-java=/usr/lib/jvm/other");
    assertThat(other.relayJava()).isEqualTo(Path.of("/usr/lib/jvm/other"));
    assertThat(other.commandLine())
        .as("the printed options say which Java ran the nodes")
        .endsWith(" --relay-java=/usr/lib/jvm/other");
  }

  @Test
  void serverSettingsGoToTheEmbeddedServer_inTheirOrder_andIntoThePrintedOptions() {
    assertThat(Options.parse().pgSettings()).isEmpty();
    assertThat(Options.parse().commandLine()).doesNotContain("--pg-settings");

    Options tuned = Options.parse("--pg-settings=autovacuum_naptime=10s, commit_delay=100");
    assertThat(tuned.pgSettings())
        .containsExactly(entry("autovacuum_naptime", "10s"), entry("commit_delay", "100"));
    assertThat(tuned.commandLine())
        .as("the printed options say which settings the server ran with")
        .contains(" --pg-settings=autovacuum_naptime=10s,commit_delay=100 ");
  }

  @Test
  void aWarmUpRunsAtTheRate_unlessItRisesFromAnother() {
    Options plain = Options.parse("--rate=300", "--warm-up=300s");
    assertThat(plain.warmUpMessages()).isEqualTo(90_000);
    assertThat(plain.commandLine()).doesNotContain("--warm-up-from");

    Options rising = Options.parse("--rate=300", "--warm-up=300s", "--warm-up-from=100");
    assertThat(rising.warmUpMessages()).as("at 200/s on average").isEqualTo(60_000);
    assertThat(rising.commandLine())
        .as("the printed options say how the warm-up ran")
        .contains(" --warm-up=300s ", " --warm-up-from=100");
    assertThatThrownBy(() -> Options.parse("--rate=300", "--warm-up-from=301"))
        .hasMessageContaining("warm-up-from must be between 0 and rate");
  }

  @Test
  void aRisingRate_spacesItsRequestsFromTheFirstRateToTheLast_overTheirMeanRatesTime() {
    int n = 60_000; // 100/s rising to 300/s: 300 s
    assertThat(LoadGenerator.due(0, n, 100, 300)).isZero();
    assertThat(LoadGenerator.due(1, n, 100, 300)).isCloseTo(0.01, within(1e-4));
    assertThat(LoadGenerator.due(n, n, 100, 300)).isCloseTo(300, within(1e-6));
    assertThat(LoadGenerator.due(n, n, 100, 300) - LoadGenerator.due(n - 1, n, 100, 300))
        .isCloseTo(1 / 300.0, within(1e-5));
    // in the first 150 s the rate rises from 100 to 200/s: 22,500 requests
    assertThat(LoadGenerator.due(22_500, n, 100, 300)).isCloseTo(150, within(1e-6));
    assertThat(LoadGenerator.due(300, 90_000, 300, 300)).isEqualTo(1.0);
  }

  @Test
  void aSettingThatIsNotNameEqualsValue_orForALocalServer_isRefused() {
    assertThatThrownBy(() -> Options.parse("--pg-settings=autovacuum_naptime"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("pg-settings: 'autovacuum_naptime' is not name=value");
    assertThatThrownBy(() -> Options.parse("--pg-settings=x');drop table t;--=1"))
        .hasMessageContaining("is not name=value");
    assertThatThrownBy(
            () -> Options.parse("--pg=local", "--pg-settings=autovacuum_naptime=10s"))
        .hasMessageContaining("pg-settings are for --pg=embedded");
  }
}
