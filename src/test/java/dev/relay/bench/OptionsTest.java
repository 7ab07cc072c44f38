package dev.relay.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import dev.relay.support.ChildJvm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The benchmark runs a node as the image does, unless asked to run it otherwise. */
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
