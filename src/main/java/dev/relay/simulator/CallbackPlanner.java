package dev.relay.simulator;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Decides which callbacks one accepted provider request gets, and in what order. Pure logic with
 * the randomness passed in, so every combination of faults can be tested with a seeded generator.
 *
 * <p>The list is the sending order; the sender sends one callback after the other. Rules:
 *
 * <ul>
 *   <li>dropped: nothing at all (the message is never ACKed);
 *   <li>otherwise {@code sent} then {@code delivered}; with reorder or early, {@code delivered}
 *       comes first (an early one is sent before the provider answers, so nothing can precede it);
 *   <li>duplicate: a second {@code delivered} right after the first;
 *   <li>early: the first {@code delivered} is synchronous;
 *   <li>read: {@code read} last, {@code readDelay} after the previous one.
 * </ul>
 */
final class CallbackPlanner {

  List<PlannedCallback> plan(SimulatorBehaviour.Settings s, RandomGenerator random) {
    if (happens(s.dropRate(), random)) {
      return List.of();
    }
    boolean duplicate = happens(s.duplicateRate(), random);
    boolean reorder = happens(s.reorderRate(), random);
    boolean early = happens(s.earlyRate(), random);
    boolean read = happens(s.readRate(), random);

    List<PlannedCallback> plan = new ArrayList<>(4);
    if (!reorder && !early) {
      plan.add(async(CallbackStatus.SENT, s, random));
    }
    plan.add(
        early
            ? new PlannedCallback(CallbackStatus.DELIVERED, Duration.ZERO, true)
            : async(CallbackStatus.DELIVERED, s, random));
    if (duplicate) {
      plan.add(async(CallbackStatus.DELIVERED, s, random));
    }
    if (reorder || early) {
      plan.add(async(CallbackStatus.SENT, s, random));
    }
    if (read) {
      plan.add(new PlannedCallback(CallbackStatus.READ, s.readDelay(), false));
    }
    return List.copyOf(plan);
  }

  /** True with probability {@code rate}: never at 0, always at 1 ({@code nextDouble() < 1}). */
  static boolean happens(double rate, RandomGenerator random) {
    return rate > 0 && random.nextDouble() < rate;
  }

  private static PlannedCallback async(
      CallbackStatus status, SimulatorBehaviour.Settings s, RandomGenerator random) {
    long jitterNanos = s.callbackJitter().toNanos();
    long extra = jitterNanos == 0 ? 0 : random.nextLong(jitterNanos + 1);
    return new PlannedCallback(status, s.callbackDelay().plusNanos(extra), false);
  }
}
