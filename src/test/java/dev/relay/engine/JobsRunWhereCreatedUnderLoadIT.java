package dev.relay.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relay.support.DeliveryIntegrationTest;
import dev.relay.support.ProviderStub;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatusCode;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.TestPropertySource;

/**
 * More dispatches at once than the job executor takes (one thread, a queue of one), over a
 * connection pool barely larger than that: those the queue has no room for wait in the node's line
 * and each runs on the node that created it; none is left to acquisition, which takes nothing
 * here. Handing over must never ask for a second connection while the committing thread holds its
 * first: with every connection held that way the node stood still.
 */
@TestPropertySource(
    properties = {
      "camunda.bpm.job-execution.core-pool-size=1",
      "camunda.bpm.job-execution.max-pool-size=1",
      "camunda.bpm.job-execution.queue-capacity=1",
      "camunda.bpm.job-execution.max-jobs-per-acquisition=0",
      "spring.datasource.hikari.maximum-pool-size=4"
    })
// the engine never counts an acquisition of no jobs as idle, so its acquisition thread spins
// without a pause: the context is closed with the class, not kept for the tests after it
@DirtiesContext
class JobsRunWhereCreatedUnderLoadIT extends DeliveryIntegrationTest {

  private static final int ROOMS = 12;

  @Test
  void moreDispatchesThanJobThreads_allReachTheProvider_fromTheNodesLine() throws Exception {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < ROOMS; i++) {
      String id = newId("crowded");
      // the provider takes its time: the one job thread stays busy and the queue fills
      provider.answer(id, ProviderStub.accepted().withFixedDelay(200));
      ids.add(id);
    }
    ExecutorService clients = Executors.newFixedThreadPool(ROOMS);
    try {
      List<Future<HttpStatusCode>> answers = new ArrayList<>();
      for (String id : ids) {
        answers.add(
            clients.submit(
                () ->
                    api.send(newMessageOn(PATIENT_CHANNEL, id, newId("room"), "all at once", null))
                        .getStatusCode()));
      }
      for (Future<HttpStatusCode> answer : answers) {
        assertThat(answer.get().value()).isEqualTo(202);
      }
    } finally {
      clients.shutdown();
    }

    patiently().untilAsserted(() -> assertThat(ids).allSatisfy(id -> assertThat(provider.calls(id)).hasSize(1)));
  }
}
