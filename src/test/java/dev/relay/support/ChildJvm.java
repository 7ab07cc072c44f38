package dev.relay.support;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A Relay node or the simulator in a JVM of its own, on the harness's class path, with its output
 * in a log file. A Relay node gets it minus the test classes, so that nothing of the tests is
 * scanned into it; the benchmark's simulator needs them for its figures ({@code BenchSimulator}).
 */
public final class ChildJvm implements AutoCloseable {

  /** The system property that names the packaged jar. */
  public static final String JAR_PROPERTY = "relay.jar";

  /** The Java runtime this JVM runs on. */
  public static final Path OWN_JAVA = Path.of(System.getProperty("java.home"));

  private final String name;
  private final int port;
  private final Process process;
  private final Path log;

  private ChildJvm(String name, int port, Process process, Path log) {
    this.name = name;
    this.port = port;
    this.process = process;
    this.log = log;
  }

  /**
   * Starts {@code mainClass} with {@code --server.port}, the given JVM options and arguments.
   *
   * @param withTestClasses whether the class path keeps the test classes
   * @param dir working directory, and where {@code <name>.log} goes
   */
  public static ChildJvm start(String name, int port, String heap, List<String> jvmArgs,
      String mainClass, boolean withTestClasses, List<String> args, Path dir) throws IOException {
    return start(OWN_JAVA, name, port, heap, jvmArgs, mainClass, withTestClasses, args, dir);
  }

  /** As {@link #start}, on the Java runtime installed at {@code javaHome}. */
  public static ChildJvm start(Path javaHome, String name, int port, String heap,
      List<String> jvmArgs, String mainClass, boolean withTestClasses, List<String> args, Path dir)
      throws IOException {
    List<String> launch = new ArrayList<>(jvmArgs);
    launch.addAll(List.of("-cp", withTestClasses ? System.getProperty("java.class.path") : mainClassPath(),
        mainClass));
    return launch(javaHome, name, port, heap, launch, args, dir);
  }

  /**
   * Starts the packaged application, {@code java -jar relay.jar}, as an operator does: the
   * executable jar {@code mvn package} built (see {@link #packagedJar()}).
   */
  public static ChildJvm startJar(String name, int port, String heap, List<String> args, Path dir)
      throws IOException {
    return launch(OWN_JAVA, name, port, heap, List.of("-jar", packagedJar().toString()), args,
        dir);
  }

  /**
   * The executable jar of this build: failsafe runs after {@code package} and names it in the
   * system property {@value #JAR_PROPERTY} (pom.xml).
   */
  public static Path packagedJar() {
    String jar = System.getProperty(JAR_PROPERTY);
    if (jar == null || !Files.isRegularFile(Path.of(jar))) {
      throw new IllegalStateException("no packaged jar at " + JAR_PROPERTY + "=" + jar
          + "; run the test with mvn verify, which packages the application first");
    }
    return Path.of(jar);
  }

  private static ChildJvm launch(Path javaHome, String name, int port, String heap,
      List<String> launch, List<String> args, Path dir) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(javaHome.resolve("bin").resolve("java").toString());
    command.add("-Xmx" + heap);
    command.add("-XX:+ExitOnOutOfMemoryError");
    command.addAll(launch);
    command.add("--server.port=" + port);
    command.addAll(args);
    Path log = dir.resolve(name + ".log");
    Files.writeString(log, String.join(" ", command) + System.lineSeparator(),
        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    Process process = new ProcessBuilder(command)
        .directory(dir.toFile())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .start();
    return new ChildJvm(name, port, process, log);
  }

  /** Waits until {@code /actuator/health} answers 200: UP, or DEGRADED (a provider's circuit is open). */
  public void awaitHealthy(HttpClient http, Duration timeout) {
    HttpRequest health = HttpRequest.newBuilder(uri("/actuator/health"))
        .timeout(Duration.ofSeconds(5)).build();
    boolean up = Poll.until(timeout, Duration.ofMillis(500), () -> {
      if (!process.isAlive()) {
        throw new IllegalStateException(name + " exited with " + process.exitValue() + "; see " + log);
      }
      try {
        HttpResponse<String> answer = http.send(health, HttpResponse.BodyHandlers.ofString());
        return answer.statusCode() == 200;
      } catch (IOException e) {
        return false; // not listening yet
      }
    });
    if (!up) {
      throw new IllegalStateException(name + " not healthy after " + timeout + "; see " + log);
    }
  }

  public String name() {
    return name;
  }

  public int port() {
    return port;
  }

  public long pid() {
    return process.pid();
  }

  public URI uri(String path) {
    return URI.create("http://localhost:" + port + path);
  }

  /** SIGKILL, as a crash or the OOM killer would: no shutdown hook runs. */
  public void kill() throws InterruptedException {
    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
  }

  /** SIGTERM, then SIGKILL if it has not stopped within 10 s. Safe to call twice. */
  @Override
  public void close() {
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  /** The harness's class path without its test classes: main classes and every dependency. */
  private static String mainClassPath() {
    String testClasses;
    try {
      testClasses = Path.of(ChildJvm.class.getProtectionDomain().getCodeSource().getLocation()
          .toURI()).toString();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
    return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
        .filter(entry -> !Path.of(entry).toAbsolutePath().toString().equals(testClasses))
        .collect(Collectors.joining(File.pathSeparator));
  }

  /** A port nobody listens on right now (the children are told their ports up front). */
  public static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
