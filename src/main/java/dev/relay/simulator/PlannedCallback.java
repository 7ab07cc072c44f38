package dev.relay.simulator;

import java.time.Duration;

/**
 * One status callback the simulator will send for an accepted message.
 *
 * @param delay wait after the previous callback of the same message was settled (or, for the first
 *     asynchronous one, after the provider call was answered); zero when synchronous
 * @param synchronous sent from inside the provider call, before it is answered
 */
record PlannedCallback(CallbackStatus status, Duration delay, boolean synchronous) {}
