package dev.relay.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;

/**
 * After the load: what became of every accepted message (from the database), whether each room's
 * messages reached the provider in order, and how long each room's next message waited after an
 * ACK (from the simulator's records).
 */
final class Accounting {

  /**
   * A first attempt as the simulator recorded it; times in microseconds since the epoch.
   *
   * @param ackedAttempt the attempt whose ACK Relay took first (1: this one; null: none yet)
   */
  record FirstAttempt(String reference, long atMicros, Long ackSentAtMicros, Long ackedAtMicros,
      Integer ackedAttempt) {

    /** The provider never ACKed this attempt: its ACK was dropped. */
    boolean ackDropped() {
      return ackedAttempt == null || ackedAttempt != 1;
    }
  }

  /**
   * @param accepted intake requests answered 202
   * @param pending not delivered yet, but in their resend schedule with a live delivery
   * @param givenUp UNCONFIRMED or FAILED
   * @param lost accepted, yet neither delivered, pending nor given up
   * @param storedWithout202 in the database though the load got no 202 (a timed-out answer)
   * @param ackToNextDispatch in microseconds
   * @param ackToNextP99BySecond by the second (since the load started) of the dispatch, in ms
   * @param handOvers each measured hand-over, for handovers.csv
   * @param overtakes next messages that reached the provider before the previous one's ACK (of
   *     its first attempt) was sent: the ACK gate was shorter than an ACK that came
   * @param droppedAckStalls in microseconds: from a first attempt whose ACK never came to the
   *     room's next message reaching the provider, for next messages that were already waiting
   */
  record Outcome(
      long accepted,
      long delivered,
      long pending,
      long givenUp,
      long lost,
      List<String> lostExamples,
      long storedWithout202,
      long orderViolations,
      List<String> orderExamples,
      Histogram ackToNextDispatch,
      Map<Integer, Double> ackToNextP99BySecond,
      List<HandOver> handOvers,
      long overtakes,
      Histogram droppedAckStalls) {}

  /**
   * A room's turn going from one message to the next on the previous one's ACK; times in
   * microseconds since the epoch.
   *
   * @param ackSentAt when the simulator sent the ACK that Relay answered 2xx
   * @param ackedAt when that 2xx arrived
   * @param nextAcceptedAt when the next message's intake got its 202
   * @param nextDispatchedAt when the next message's first attempt reached the provider
   */
  record HandOver(String previous, String next, long ackSentAt, long ackedAt,
      long nextAcceptedAt, long nextDispatchedAt) {
    long latencyMicros() {
      return Math.max(0, nextDispatchedAt - ackedAt);
    }
  }

  /** The intake requests of the load: which message each was, and when it got its 202. */
  interface Intake {
    int count();

    Workload.Message message(int i);

    /** In microseconds since the epoch; 0 if request i got no 202. */
    long acceptedAtMicros(int i);

    /** From request i's scheduled send to its 202, in microseconds; 0 if no 202 came. */
    long latencyMicros(int i);
  }

  /** A stored message; {@code live} when its delivery process instance is still running. */
  record Row(String messageId, String roomId, long sequence, String status, boolean live) {
    boolean delivered() {
      return status.equals("DELIVERED") || status.equals("READ");
    }
  }

  private static final int EXAMPLES = 10;

  private Accounting() {}

  /** The load's messages that are not delivered yet, as stored. */
  static long undelivered(Connection db) throws SQLException {
    return undelivered(db, Workload.LOAD_ROOMS);
  }

  static long undelivered(Connection db, String roomPrefix) throws SQLException {
    try (PreparedStatement s = db.prepareStatement(
        "select count(*) from relay_message"
            + " where room_id like ? and status not in ('DELIVERED', 'READ')")) {
      s.setString(1, roomPrefix + "%");
      try (ResultSet rs = s.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  static Outcome of(Connection db, Intake load, Map<String, List<FirstAttempt>> firstAttempts,
      long loadStartMicros) throws SQLException {
    return of(rows(db), load, firstAttempts, loadStartMicros);
  }

  /** @param rows the load's stored messages by id */
  static Outcome of(Map<String, Row> rows, Intake load,
      Map<String, List<FirstAttempt>> firstAttempts, long loadStartMicros) {
    Map<String, Integer> index = new HashMap<>(load.count() * 2);
    for (int i = 0; i < load.count(); i++) {
      index.put(load.message(i).messageId(), i);
    }

    long accepted = 0;
    long delivered = 0;
    long pending = 0;
    long givenUp = 0;
    long lost = 0;
    List<String> lostExamples = new ArrayList<>();
    for (int i = 0; i < load.count(); i++) {
      if (load.acceptedAtMicros(i) == 0) {
        continue;
      }
      accepted++;
      Row row = rows.get(load.message(i).messageId());
      if (row == null) {
        lost++;
        note(lostExamples, load.message(i).messageId() + " not stored");
      } else if (row.delivered()) {
        delivered++;
      } else if (row.status().equals("UNCONFIRMED") || row.status().equals("FAILED")) {
        givenUp++;
      } else if (row.live()) {
        pending++;
      } else {
        lost++;
        note(lostExamples, row.messageId() + " " + row.status() + " without a running delivery");
      }
    }
    long storedWithout202 = rows.keySet().stream()
        .filter(id -> !index.containsKey(id) || load.acceptedAtMicros(index.get(id)) == 0)
        .count();

    Map<String, FirstAttempt> byReference = new HashMap<>();
    firstAttempts.values().forEach(list -> list.forEach(a -> byReference.put(a.reference(), a)));
    Map<String, List<Row>> rooms = new TreeMap<>();
    rows.values().forEach(r -> rooms.computeIfAbsent(r.roomId(), k -> new ArrayList<>()).add(r));
    rooms.values().forEach(list -> list.sort(Comparator.comparingLong(Row::sequence)));

    List<String> order = new ArrayList<>();
    long violations = 0;
    for (Map.Entry<String, List<Row>> room : rooms.entrySet()) {
      violations += orderViolations(room.getKey(), room.getValue(),
          firstAttempts.getOrDefault(room.getKey(), List.of()), rows, order);
    }

    Histogram ackToNext = new Histogram(3);
    Histogram droppedAckStalls = new Histogram(3);
    long overtakes = 0;
    Map<Integer, Histogram> bySecond = new TreeMap<>();
    List<HandOver> handOvers = new ArrayList<>();
    for (List<Row> room : rooms.values()) {
      for (int j = 1; j < room.size(); j++) {
        FirstAttempt previous = byReference.get(room.get(j - 1).messageId());
        FirstAttempt next = byReference.get(room.get(j).messageId());
        Integer i = index.get(room.get(j).messageId());
        long nextAccepted = i == null ? 0 : load.acceptedAtMicros(i);
        if (previous == null || next == null) {
          continue;
        }
        if (!previous.ackDropped() && previous.ackSentAtMicros() > next.atMicros()) {
          overtakes++;
        }
        if (previous.ackDropped() && nextAccepted != 0 && nextAccepted <= previous.atMicros()) {
          droppedAckStalls.recordValue(Math.max(0, next.atMicros() - previous.atMicros()));
        }
        if (handedOnByAck(previous, next, nextAccepted)) {
          HandOver handOver = new HandOver(previous.reference(), next.reference(),
              previous.ackSentAtMicros(), previous.ackedAtMicros(), nextAccepted, next.atMicros());
          handOvers.add(handOver);
          ackToNext.recordValue(handOver.latencyMicros());
          bySecond.computeIfAbsent((int) ((next.atMicros() - loadStartMicros) / 1_000_000),
              s -> new Histogram(3)).recordValue(handOver.latencyMicros());
        }
      }
    }
    Map<Integer, Double> p99BySecond = new TreeMap<>();
    bySecond.forEach((second, h) -> p99BySecond.put(second, h.getValueAtPercentile(99) / 1000.0));

    return new Outcome(accepted, delivered, pending, givenUp, lost, lostExamples,
        storedWithout202, violations, order, ackToNext, p99BySecond, handOvers, overtakes,
        droppedAckStalls);
  }

  /** The hand-overs whose ACK was sent at {@code fromMicros} (since the epoch) or later. */
  static Histogram ackToNextDispatchFrom(List<HandOver> handOvers, long fromMicros) {
    Histogram micros = new Histogram(3);
    handOvers.stream()
        .filter(h -> h.ackSentAt() >= fromMicros)
        .forEach(h -> micros.recordValue(h.latencyMicros()));
    return micros;
  }

  /** The 202s of the requests scheduled at {@code fromMicros} (since the epoch) or later. */
  static Histogram intakeFrom(Intake load, long fromMicros) {
    Histogram micros = new Histogram(3);
    for (int i = 0; i < load.count(); i++) {
      long accepted = load.acceptedAtMicros(i);
      long latency = load.latencyMicros(i);
      if (accepted != 0 && accepted - latency >= fromMicros) {
        micros.recordValue(latency);
      }
    }
    return micros;
  }

  /**
   * Whether the next message's dispatch followed the previous one's ACK: the next was accepted
   * before Relay answered that ACK (so it was waiting for it, not for its own intake), and reached
   * the provider after the ACK was sent (so the ACK, not the ACK gate's timeout, let it go). A
   * dispatch that overtook the 2xx on its way back to the simulator counts as 0.
   */
  private static boolean handedOnByAck(FirstAttempt previous, FirstAttempt next, long nextAccepted) {
    return previous.ackedAtMicros() != null
        && nextAccepted != 0
        && nextAccepted <= previous.ackedAtMicros()
        && next.atMicros() >= previous.ackSentAtMicros();
  }

  /**
   * First attempts that reached the provider after a message of a higher sequence, and messages
   * that never reached it though a later one did.
   */
  private static long orderViolations(String roomId, List<Row> room, List<FirstAttempt> arrived,
      Map<String, Row> rows, List<String> examples) {
    long violations = 0;
    long highest = 0;
    Set<Long> seen = new HashSet<>();
    for (FirstAttempt attempt : arrived) {
      Row row = rows.get(attempt.reference());
      if (row == null) {
        continue; // not a message of this run
      }
      if (row.sequence() < highest) {
        violations++;
        note(examples, roomId + ": sequence " + row.sequence() + " arrived after " + highest);
      }
      highest = Math.max(highest, row.sequence());
      seen.add(row.sequence());
    }
    for (Row row : room) {
      if (row.sequence() < highest && !seen.contains(row.sequence())) {
        violations++;
        note(examples,
            roomId + ": sequence " + row.sequence() + " never arrived, " + highest + " did");
      }
    }
    return violations;
  }

  private static Map<String, Row> rows(Connection db) throws SQLException {
    Map<String, Row> rows = new HashMap<>();
    try (PreparedStatement s = db.prepareStatement(
        "select m.message_id, m.room_id, m.sequence, m.status,"
            // on its way: the instance that waits for its report runs, or it waits in a room
            // whose instance runs
            + " exists (select 1 from act_ru_execution e where e.id_ = e.proc_inst_id_"
            + "   and (e.id_ = m.report_instance_id or (m.turn_state = 'WAITING' and e.id_ ="
            + "     (select r.instance_id from relay_room r where r.room_id = m.room_id))))"
            + " from relay_message m where m.room_id like ?")) {
      s.setString(1, Workload.LOAD_ROOMS + "%");
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          rows.put(rs.getString(1), new Row(rs.getString(1), rs.getString(2), rs.getLong(3),
              rs.getString(4), rs.getBoolean(5)));
        }
      }
    }
    return rows;
  }

  /** Keeps the first few examples of a problem for the report. */
  private static void note(List<String> examples, String example) {
    if (examples.size() < EXAMPLES) {
      examples.add(example);
    }
  }
}
