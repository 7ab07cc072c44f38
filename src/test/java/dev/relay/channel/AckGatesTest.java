package dev.relay.channel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relay.channel.RelayChannelsProperties.Channel;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Test;

/**
 * The learned ACK gate fed with recorded streams of ACK delays (20 ACKs a second, simulated time,
 * seeded randomness): what each node records goes through the real {@link AckGateSync} into a
 * store shared by the nodes, as relay_ack_delay is, every 5 seconds.
 */
class AckGatesTest {

  private static final String AUTO = "whatsapp";
  private static final String FIXED = "sms";
  private static final Duration MIN = Duration.ofMillis(100);
  private static final Duration MAX = Duration.ofSeconds(5);
  private static final Instant T0 = Instant.parse("2026-01-05T10:00:00Z");
  private static final Duration TICK = Duration.ofMillis(50);

  private final RelayChannelsProperties properties =
      new RelayChannelsProperties(
          Map.of(AUTO, channel(AckGateSetting.AUTO), FIXED, channel(AckGateSetting.fixed(Duration.ofSeconds(2)))),
          List.of(Duration.ofSeconds(5)),
          Duration.ofSeconds(10),
          32);
  private final SharedDelays shared = new SharedDelays();
  private final List<Node> nodes = new ArrayList<>();
  private final Node node = new Node();
  private final Random random = new Random(14);
  private Instant now = T0;

  @Test
  void aSteadyProviderIsGatedAtTheTopOfItsDelays() {
    run(Duration.ofMinutes(10), node, uniform(50, 300), 0);

    // p99 of 50-300 ms is ~297 ms; a bucket's bound is at most 5 % above it
    assertThat(node.gate()).isBetween(Duration.ofMillis(295), Duration.ofMillis(315));
    assertThat(node.gate(FIXED)).isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void aProviderSlowingFrom100msTo2sMovesTheGateWithinAMinute() {
    run(Duration.ofMinutes(10), node, uniform(90, 110), 0);
    assertThat(node.gate()).isBetween(Duration.ofMillis(105), Duration.ofMillis(120));

    Instant slowedAt = now;
    Instant movedAt = null;
    for (int seconds = 0; seconds < 60 && movedAt == null; seconds++) {
      run(Duration.ofSeconds(1), node, uniform(1900, 2100), 0);
      if (node.gate().compareTo(Duration.ofMillis(1900)) >= 0) {
        movedAt = now;
      }
    }

    assertThat(movedAt).as("gate reached the new delays").isNotNull();
    // samples reach the gate once their 5-second slice is shared: 10-15 s
    assertThat(Duration.between(slowedAt, movedAt)).isLessThanOrEqualTo(Duration.ofSeconds(20));
  }

  @Test
  void aSpeedUpLowersTheGateOnceTheSlowDelaysLeaveTheWindow() {
    run(Duration.ofMinutes(10), node, uniform(1900, 2100), 0);
    run(Duration.ofMinutes(4), node, uniform(90, 110), 0);
    assertThat(node.gate()).isGreaterThan(Duration.ofMillis(1900));

    run(Duration.ofMinutes(2), node, uniform(90, 110), 0);

    assertThat(node.gate()).isLessThan(Duration.ofMillis(120));
  }

  @Test
  void bimodalDelaysAreGatedAtTheSlowMode() {
    // 30 % of the ACKs take the provider's slow path: waiting for them keeps the room in order
    DoubleSupplier bimodal = () -> random.nextDouble() < 0.3 ? 850 + 100 * random.nextDouble()
        : 60 + 40 * random.nextDouble();
    run(Duration.ofMinutes(10), node, bimodal, 0);

    assertThat(node.gate()).isBetween(Duration.ofMillis(940), Duration.ofMillis(1000));
  }

  @Test
  void rareOutliersBeyondTheQuantileDoNotSetTheGate() {
    // 0.3 % take 4 s: waiting 4 s on every dropped ACK for them would stall every room
    DoubleSupplier outliers = () -> random.nextDouble() < 0.003 ? 4000 : 80 + 40 * random.nextDouble();
    run(Duration.ofMinutes(10), node, outliers, 0);

    assertThat(node.gate()).isBetween(Duration.ofMillis(115), Duration.ofMillis(130));
  }

  @Test
  void droppedAcksAreNoDelays() {
    // 90 % never ACKed: the ACKs that do come still tell the gate
    run(Duration.ofMinutes(10), node, uniform(50, 300), 0.9);
    Duration learned = node.gate();
    assertThat(learned).isBetween(Duration.ofMillis(285), Duration.ofMillis(315));

    // the provider stops ACKing: the gate stays where its last 100 ACKs put it, not at the maximum
    run(Duration.ofMinutes(30), node, uniform(50, 300), 1.0);
    assertThat(node.gate()).isBetween(Duration.ofMillis(250), learned);

    // an hour without any ACK: nothing is known any more
    run(Duration.ofMinutes(31), node, uniform(50, 300), 1.0);
    assertThat(node.gate()).isEqualTo(MAX);
  }

  @Test
  void aQuietChannelLearnsFromItsLast100Acks() {
    // one ACK a minute: the five minutes hold five, so the gate looks further back
    for (int minute = 0; minute < 59; minute++) {
      run(Duration.ofMinutes(1), node, uniform(50, 300), 1 - 1.0 / 1200);
    }
    assertThat(node.gate()).isEqualTo(MAX); // fewer than 100 in the hour: unearned

    shared.put(now.minusSeconds(600), 200, Duration.ofMillis(400));
    node.sync.exchange(now);

    assertThat(node.gate()).isBetween(Duration.ofMillis(400), Duration.ofMillis(420));
  }

  @Test
  void theGateStaysWithinTheChannelsBounds() {
    run(Duration.ofMinutes(2), node, uniform(10, 30), 0);
    assertThat(node.gate()).isEqualTo(MIN);

    run(Duration.ofMinutes(2), node, uniform(8000, 9000), 0);
    assertThat(node.gate()).isEqualTo(MAX);
  }

  @Test
  void aNodeGatesAtItsMaximumUntilEnoughAcksAreSeen() {
    run(Duration.ofSeconds(4), node, uniform(50, 300), 0); // 80 ACKs
    assertThat(node.gate()).isEqualTo(MAX);

    run(Duration.ofSeconds(10), node, uniform(50, 300), 0);
    assertThat(node.gate()).isLessThan(Duration.ofMillis(320));
  }

  @Test
  void aNodeThatJustStartedGatesWithWhatTheClusterLearned() {
    // the webhooks are spread over two nodes; a third starts later and takes none yet
    Node other = new Node();
    for (int i = 0; i < 600; i++) {
      run(Duration.ofSeconds(1), i % 2 == 0 ? node : other, uniform(50, 300), 0);
    }
    Node started = new Node();
    assertThat(started.gate()).isEqualTo(MAX);

    started.sync.exchange(now);

    assertThat(started.gate()).isEqualTo(node.gate()).isEqualTo(other.gate());
    assertThat(started.gate()).isBetween(Duration.ofMillis(285), Duration.ofMillis(315));
  }

  @Test
  void aFixedChannelRecordsNothing() {
    node.gates.record(FIXED, Duration.ofMillis(100), now);
    node.sync.exchange(now.plusSeconds(10));

    assertThat(shared.slices).doesNotContainKey(FIXED);
  }

  /**
   * Runs {@code time} of 20 ACKs a second, {@code dropRate} of them never coming, recorded by
   * {@code by}; every node shares and learns each 5 seconds.
   */
  private void run(Duration time, Node by, DoubleSupplier delayMillis, double dropRate) {
    Instant end = now.plus(time);
    while (now.isBefore(end)) {
      now = now.plus(TICK);
      if (random.nextDouble() >= dropRate) {
        by.gates.record(AUTO, Duration.ofNanos((long) (delayMillis.getAsDouble() * 1e6)), now);
      }
      if (now.toEpochMilli() % 5000 == 0) {
        nodes.forEach(n -> n.sync.exchange(now));
      }
    }
  }

  private DoubleSupplier uniform(double fromMillis, double toMillis) {
    return () -> fromMillis + (toMillis - fromMillis) * random.nextDouble();
  }

  private static Channel channel(AckGateSetting gate) {
    return new Channel("http://provider.invalid", "token", "secret", gate, MIN, MAX,
        List.of(Duration.ofSeconds(15)), 8, null);
  }

  /** A node: its gates, its policies, its sync against the shared store. */
  private final class Node {
    final AckGates gates = new AckGates(properties);
    final ChannelPolicies policies = new ChannelPolicies(properties, gates);
    final AckGateSync sync = new AckGateSync(gates, shared, properties);

    Node() {
      nodes.add(this);
    }

    Duration gate() {
      return gate(AUTO);
    }

    Duration gate(String channel) {
      return policies.ackGate(channel);
    }
  }

  /** relay_ack_delay in memory: every node's slices, summed. */
  private static final class SharedDelays extends AckDelayRepository {
    final Map<String, NavigableMap<Instant, DelayHistogram>> slices = new HashMap<>();

    SharedDelays() {
      super(null);
    }

    void put(Instant at, int samples, Duration delay) {
      slices.computeIfAbsent(AUTO, c -> new TreeMap<>())
          .computeIfAbsent(AckGateEstimator.sliceOf(at), s -> new DelayHistogram())
          .add(DelayHistogram.bucket(delay), samples);
    }

    @Override
    void insert(String nodeId, String channel, NavigableMap<Instant, DelayHistogram> closed) {
      closed.forEach((start, histogram) -> slices.computeIfAbsent(channel, c -> new TreeMap<>())
          .computeIfAbsent(start, s -> new DelayHistogram()).addAll(histogram));
    }

    @Override
    NavigableMap<Instant, DelayHistogram> since(String channel, Instant from) {
      NavigableMap<Instant, DelayHistogram> all = slices.getOrDefault(channel, new TreeMap<>());
      return new TreeMap<>(all.tailMap(from, true));
    }

    @Override
    void deleteBefore(Instant before) {
      slices.values().forEach(s -> s.headMap(before, false).clear());
    }
  }
}
