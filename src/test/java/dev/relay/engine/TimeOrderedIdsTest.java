package dev.relay.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class TimeOrderedIdsTest {

  private final TimeOrderedIds ids = new TimeOrderedIds();

  @Test
  void anIdTakenLater_sortsAfter_asTextAsTheDatabaseComparesThem() throws Exception {
    String earlier = ids.getNextId();
    Thread.sleep(2);
    String later = ids.getNextId();

    assertThat(later).isGreaterThan(earlier);
    assertThat(UUID.fromString(earlier).version()).isEqualTo(7);
    assertThat(later).hasSize(36); // the engine's id columns take 64
  }

  @Test
  void idsTakenAtOnceOnManyThreads_areAllDifferent() throws Exception {
    Set<String> seen = ConcurrentHashMap.newKeySet();
    ExecutorService threads = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> runs = IntStream.range(0, 8)
          .<Future<?>>mapToObj(t -> threads.submit(() -> {
            for (int i = 0; i < 10_000; i++) {
              seen.add(ids.getNextId());
            }
          }))
          .toList();
      for (Future<?> run : runs) {
        run.get();
      }
    } finally {
      threads.shutdown();
    }
    assertThat(seen).hasSize(80_000);
  }
}
