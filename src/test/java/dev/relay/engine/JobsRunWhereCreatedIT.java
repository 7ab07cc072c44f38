package dev.relay.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relay.support.DeliveryIntegrationTest;
import dev.relay.support.WebhookClient;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.TestPropertySource;

/**
 * A job due at once runs on the node whose transaction created it, after that commit, not when
 * acquisition finds it: here acquisition takes nothing at all, and a room still sends its first
 * message (its dispatch job created by intake) and, after that one's ACK, its second (created by
 * the webhook's transaction). With every job thread busy and their queue full it waits in the
 * node's line, and goes as soon as the threads take their next tasks; its provider call, made ahead
 * by a thread of its own, does not wait for them.
 */
@TestPropertySource(properties = "camunda.bpm.job-execution.max-jobs-per-acquisition=0")
// the engine never counts an acquisition of no jobs as idle, so its acquisition thread spins
// without a pause: the context is closed with the class, not kept for the tests after it
@DirtiesContext
class JobsRunWhereCreatedIT extends DeliveryIntegrationTest {

  @Autowired
  @Qualifier("camundaTaskExecutor")
  private ThreadPoolTaskExecutor threads;

  @Autowired
  private JobsRunWhereCreated handOvers;

  @Test
  void dispatchesCreatedByIntakeAndByTheAck_runWithoutAcquisition() {
    String room = newId("room");
    String first = newId("local-job");
    String second = newId("local-job");
    api.send(newMessageOn(PATIENT_CHANNEL, first, room, "dispatched after intake's commit", null));
    api.send(newMessageOn(PATIENT_CHANNEL, second, room, "dispatched after the ACK's commit", null));

    awaitRoomWaitsForReport(room, first);
    assertThat(provider.calls(first)).hasSize(1);
    assertThat(provider.calls(second)).isEmpty();

    assertThat(webhookOf(PATIENT_CHANNEL).send(WebhookClient.delivered(first))).isEqualTo(200);
    awaitRoomWaitsForReport(room, second);
    assertThat(provider.calls(second)).hasSize(1);
    assertThat(management.createJobQuery().processInstanceId(roomInstance(room).getId()).list())
        .as("only the ACK gate's timer: no dispatch job left for acquisition")
        .singleElement()
        .satisfies(job -> assertThat(job.getDuedate()).isAfter(provider.calls(second).get(0).getLoggedDate()));
  }

  @Test
  void aDispatchTheFullQueueRefused_isCalledAhead_waitsInTheLine_andGoesAsTheThreadsTakeTasks() {
    CountDownLatch busy = new CountDownLatch(1);
    try {
      // every thread held and the queue full: threads take their tasks from the queue, so offer
      // until as many are taken as there are threads and slots
      int held = 0;
      while (held < threads.getMaxPoolSize() + threads.getQueueCapacity()) {
        if (HandOverLine.tryExecute(threads, () -> awaitQuietly(busy))) {
          held++;
        } else {
          Thread.onSpinWait();
        }
      }
      String room = newId("room");
      String message = newId("local-job");
      api.send(newMessageOn(PATIENT_CHANNEL, message, room, "waits for a job thread", null));

      patiently().until(handOvers::waiting, waiting -> waiting == 1);
      assertThat(provider.calls(message))
          .as("made ahead, by a thread of its own: no job thread was free")
          .hasSize(1);
      assertThat(runtime.getActiveActivityIds(roomInstance(room).getId()))
          .as("the call not yet recorded")
          .containsExactly("Task_DispatchMessage");

      busy.countDown();
      awaitRoomWaitsForReport(room, message);
      assertThat(provider.calls(message)).as("recorded, not made again").hasSize(1);
      assertThat(handOvers.waiting()).isZero();
    } finally {
      busy.countDown();
    }
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await(1, TimeUnit.MINUTES);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
