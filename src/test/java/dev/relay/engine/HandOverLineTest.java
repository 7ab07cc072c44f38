package dev.relay.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

/**
 * Runs the job threads' queue refuses wait in the node's line, in order, and move into the queue
 * as the threads take tasks from it; the queue's last slot stays acquisition's.
 */
class HandOverLineTest {

  private final CountDownLatch released = new CountDownLatch(1);
  private final List<String> ran = new CopyOnWriteArrayList<>();
  private final ThreadPoolTaskExecutor threads = new ThreadPoolTaskExecutor();

  @AfterEach
  void stop() {
    threads.shutdown();
  }

  @Test
  void runsTheQueueRefused_waitInOrder_andMoveInAsTheThreadsTakeTasks() throws Exception {
    HandOverLine line = startedWithAQueueOf(2);
    threads.execute(this::blockUntilReleased);
    for (int i = 1; i <= 6; i++) {
      assertThat(line.offer(threads, record("run-" + i))).isTrue();
    }
    assertThat(line.length()).as("two in the queue, the others waiting").isEqualTo(4);

    released.countDown();

    awaitRuns(6);
    assertThat(ran).containsExactly("run-1", "run-2", "run-3", "run-4", "run-5", "run-6");
    assertThat(line.length()).isZero();
  }

  @Test
  void theQueuesLastSlot_isLeftForAcquisition() throws Exception {
    HandOverLine line = startedWithAQueueOf(2);
    AtomicInteger waitingSeen = new AtomicInteger(-1);
    AtomicBoolean acquiredTaken = new AtomicBoolean();
    threads.execute(this::blockUntilReleased);
    // acquisition's batches fill the queue, then a run handed over must wait
    threads.execute(() -> {
      ran.add("acquired-1");
      waitingSeen.set(line.length());
      acquiredTaken.set(HandOverLine.tryExecute(threads, record("acquired-3")));
    });
    threads.execute(record("acquired-2"));
    assertThat(line.offer(threads, record("handed-over"))).isTrue();

    released.countDown();

    awaitRuns(4);
    assertThat(waitingSeen).as("the slot acquired-1 freed stayed free").hasValue(1);
    assertThat(acquiredTaken).as("and acquisition's next batch got it").isTrue();
    assertThat(ran).containsExactly("acquired-1", "acquired-2", "acquired-3", "handed-over");
  }

  @Test
  void aFullLine_refuses() {
    HandOverLine line = new HandOverLine(1);
    Executor full = task -> {
      throw new RejectedExecutionException("queue full");
    };

    assertThat(line.offer(full, record("waits"))).isTrue();
    assertThat(line.hasRoom()).isFalse();
    assertThat(line.offer(full, record("refused"))).isFalse();
    assertThat(line.length()).isEqualTo(1);
    assertThat(ran).isEmpty();
  }

  private HandOverLine startedWithAQueueOf(int capacity) {
    HandOverLine line = new HandOverLine(10);
    threads.setCorePoolSize(1);
    threads.setMaxPoolSize(1);
    threads.setQueueCapacity(capacity);
    line.feedBeforeEachTask(threads);
    threads.initialize();
    return line;
  }

  private Runnable record(String name) {
    return () -> ran.add(name);
  }

  private void blockUntilReleased() {
    try {
      released.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void awaitRuns(int count) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (ran.size() < count && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
  }
}
