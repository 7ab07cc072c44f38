package dev.relay.room;

import java.util.LinkedHashSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The safety net behind the turn: every node looks for stuck rooms now and then and repairs each
 * in a transaction of its own. Running on several nodes at once is harmless (see {@link
 * RoomTurns#repair}).
 */
@Component
class RoomRepair {

  private static final Logger log = LoggerFactory.getLogger(RoomRepair.class);

  private final RoomRepository rooms;
  private final RoomTurns turns;
  private final TransactionTemplate transaction;

  RoomRepair(RoomRepository rooms, RoomTurns turns, PlatformTransactionManager transactions) {
    this.rooms = rooms;
    this.turns = turns;
    this.transaction = new TransactionTemplate(transactions);
  }

  @Scheduled(
      initialDelayString = "${relay.rooms.repair-interval:PT30S}",
      fixedDelayString = "${relay.rooms.repair-interval:PT30S}")
  void repairStuckRooms() {
    Set<String> suspects = new LinkedHashSet<>(rooms.roomsWithVanishedHolder());
    suspects.addAll(rooms.roomsWaitingWithoutHolder());
    for (String roomId : suspects) {
      try {
        transaction.executeWithoutResult(tx -> turns.repair(roomId));
        log.info("Repaired room {}", roomId);
      } catch (RuntimeException e) {
        log.warn("Could not repair room {} (will try again): {}", roomId, e.toString());
      }
    }
  }
}
