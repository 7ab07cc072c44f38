package dev.relay.bench;

import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * The figures of one run, as printed and as written to {@code result.json}. Rates are per
 * second over the steady part of the load (after a warm-up of a fifth of it, at most 10 s).
 *
 * @param referenceWorkMsAtStart the CPU time of a fixed piece of work ({@link ReferenceWork})
 *     before the run: the machine's speed at its hour
 * @param referenceWorkMsAtEnd the same after the load, with the nodes stopped
 * @param deliveredPerSecond messages whose first ACK Relay took, per second
 * @param deliveredPerSecondWorst10s the lowest 10-second average of the same: sustained, not a burst
 * @param ackToNextDispatch from Relay's 2xx to a room's ACK to that room's next message reaching
 *     the provider, for next messages that were already waiting
 * @param intake from the scheduled send of an intake request to its 202
 * @param intakeInRelay the same requests as the nodes' Tomcat timed them: from reading the request
 *     to writing the 202 (access logs); the rest of {@code intake} is the client's side, the
 *     network stack and the wait for a core
 * @param webhookInRelay the simulator's status callbacks, timed the same way
 * @param settled the same latencies once the load has run {@code --settle}; null when it is not
 *     longer than that
 * @param pending accepted, not delivered, in their resend schedule with a live delivery
 * @param lost accepted, yet neither delivered, pending nor given up: must be 0
 * @param orderViolations first attempts out of sequence order, seen by the simulator: must be 0
 * @param overtakes a room's next message reached the provider before the ACK of the previous
 *     one's first attempt was sent: the ACK gate was too short for an ACK that came
 * @param droppedAckStall how long a room stood still on a first attempt whose ACK never came:
 *     from that dispatch to the next message's, for next messages that were already waiting
 * @param ackGateMs the gate the first node's rooms used at the end of the load (relay.ack.gate)
 * @param databaseBytesPer1000Messages growth of the database from the start of the load to the
 *     end of the drain, per 1,000 accepted messages
 * @param databaseLargestTables bytes (with indexes and TOAST) of the largest tables at the end
 * @param requestCostMs the first node's CPU per request after the load, by kind of request
 *     ({@code --request-cost}; empty without)
 */
record Result(
    String startedAt,
    String options,
    String machine,
    long referenceWorkMsAtStart,
    long referenceWorkMsAtEnd,
    String database,
    Map<String, String> databaseSettings,
    double loadSeconds,
    double drainSeconds,
    boolean drained,
    Intake intakeRequests,
    double intakeAcceptedPerSecond,
    double deliveredPerSecond,
    double deliveredPerSecondWorst10s,
    Latency ackToNextDispatch,
    Latency intake,
    Latency intakeInRelay,
    Latency webhookInRelay,
    Settled settled,
    long delivered,
    long pending,
    long givenUp,
    long lost,
    long orderViolations,
    long overtakes,
    Latency droppedAckStall,
    double ackGateMs,
    List<String> problems,
    List<ProcessFigures> processes,
    double databaseBytesPer1000Messages,
    Map<String, Long> databaseLargestTables,
    OpenRooms openRooms,
    Map<String, Double> requestCostMs) {

  /**
   * @param scheduled rate x duration
   * @param skipped not sent: too many were unanswered
   * @param failed no answer: refused, reset, timed out
   * @param otherAnswers by HTTP status
   * @param storedWithout202 in the database although no 202 came back
   */
  record Intake(long scheduled, long sent, long accepted, long skipped, long failed,
      Map<Integer, Long> otherAnswers, long storedWithout202) {}

  /**
   * Latencies of the load after its first {@code afterSeconds}: a node loaded right after its
   * warm-up may still be catching up with its first minute (the JIT, the collector's sizing), and
   * that minute can make the whole load's p99 on its own. Hand-overs by when their ACK was sent,
   * intake requests by when they were scheduled.
   */
  record Settled(
      double afterSeconds, Latency ackToNextDispatch, Latency intake, Latency intakeInRelay) {}

  record Latency(long count, double p50Ms, double p99Ms, double maxMs) {
    static Latency of(Histogram micros) {
      if (micros.getTotalCount() == 0) {
        return new Latency(0, Double.NaN, Double.NaN, Double.NaN);
      }
      return new Latency(micros.getTotalCount(), micros.getValueAtPercentile(50) / 1000.0,
          micros.getValueAtPercentile(99) / 1000.0, micros.getMaxValue() / 1000.0);
    }
  }

  /**
   * @param cpuMeanPercent over the steady part of the load, in % of one core
   * @param cpuSeconds CPU time over the whole load and drain: what its messages cost, even when
   *     the load outran it
   * @param cpuMsPerMessageLastMinute CPU time per delivered message over the load's last 60 s:
   *     what a message costs a warm process (a node's JIT compiles for minutes after its start)
   * @param memoryMaxMib RSS; for PostgreSQL the sum of its processes' PSS
   * @param heapAfterGcMib heap in use after a full GC at the end (Relay nodes); null otherwise
   */
  record ProcessFigures(String name, double cpuMeanPercent, double cpuMaxPercent,
      double cpuSeconds, double cpuMsPerMessageLastMinute, double memoryMaxMib,
      Double heapAfterGcMib) {}

  /**
   * What a room waiting for its ACK costs, measured across filling them.
   *
   * @param heapBytesPerRoom growth of the Relay nodes' heap after a full GC, per room
   */
  record OpenRooms(int rooms, double fillSeconds, double databaseBytesPerRoom,
      double heapBytesPerRoom) {}
}
