package dev.relay.engine;

import java.util.Deque;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

/**
 * Runs handed over on this node ({@link JobsRunWhereCreated}) that the job threads' queue has no
 * room for yet, in the order they came. Every task the job threads take makes room, and the line
 * fills it ({@link #feed}); but it leaves the queue's last slot free, for the jobs acquisition
 * locked: acquisition holds a batch the queue refused, under its lock, until it is taken, and a
 * line that took every slot would keep it there until the lock ran out.
 *
 * <p>Bounded: a run the line has no room for either is the caller's to give back to acquisition.
 */
final class HandOverLine {

  private final Deque<Runnable> waiting = new ConcurrentLinkedDeque<>();
  private final AtomicInteger length = new AtomicInteger();
  private final int capacity;

  HandOverLine(int capacity) {
    this.capacity = capacity;
  }

  boolean hasRoom() {
    return length.get() < capacity;
  }

  int length() {
    return length.get();
  }

  /**
   * Hands the run to the job threads, or has it wait its turn behind the runs already waiting.
   *
   * @return false when neither the threads' queue nor the line has room for it
   */
  boolean offer(Executor threads, Runnable run) {
    if (length.get() == 0 && tryExecute(threads, run)) {
      return true;
    }
    if (length.incrementAndGet() > capacity) {
      length.decrementAndGet();
      return false;
    }
    waiting.addLast(run);
    feed(threads); // the queue may have made room since it refused
    return true;
  }

  /** Moves waiting runs into the threads' queue while it has room, its last slot aside. */
  void feed(Executor threads) {
    Runnable next;
    // runs before every task the job threads take: an empty line costs one read
    while (length.get() > 0
        && freeSlotsBeyondReserve(threads) > 0
        && (next = waiting.pollFirst()) != null) {
      if (!tryExecute(threads, next)) {
        waiting.addFirst(next);
        return;
      }
      length.decrementAndGet();
    }
  }

  /** Has the threads feed the line before each task they take, acquired jobs' as well. */
  void feedBeforeEachTask(ThreadPoolTaskExecutor threads) {
    threads.setTaskDecorator(
        task ->
            () -> {
              feed(threads);
              task.run();
            });
  }

  /** Whether the executor took the task (false: it refused, full). */
  static boolean tryExecute(Executor threads, Runnable run) {
    try {
      threads.execute(run);
      return true;
    } catch (RejectedExecutionException full) {
      return false;
    }
  }

  /** Other executors (tests') are tried, and refuse when full. */
  private static int freeSlotsBeyondReserve(Executor threads) {
    if (!(threads instanceof ThreadPoolTaskExecutor tasks)) {
      return Integer.MAX_VALUE;
    }
    ThreadPoolExecutor pool = tasks.getThreadPoolExecutor();
    int free = pool.getQueue().remainingCapacity();
    int capacity = free + pool.getQueue().size();
    return capacity > 1 ? free - 1 : free; // a queue of one has no slot to spare
  }
}
