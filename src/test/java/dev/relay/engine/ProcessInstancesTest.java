package dev.relay.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.RuntimeService;
import org.camunda.bpm.engine.impl.cfg.StandaloneInMemProcessEngineConfiguration;
import org.camunda.bpm.model.bpmn.Bpmn;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ProcessInstancesTest {

  private final List<String> statements = new CopyOnWriteArrayList<>();
  // another node's commit, once, as the instance's executions are about to be read
  private final AtomicReference<Runnable> beforeExecutionsRead = new AtomicReference<>();
  private ProcessEngine engine;
  private RuntimeService runtime;
  private ProcessInstances instances;

  @BeforeEach
  void engine() {
    StandaloneInMemProcessEngineConfiguration configuration =
        new StandaloneInMemProcessEngineConfiguration();
    Consumer<String> noted = statements::add;
    configuration.setDataSource(StatementsNoted.onH2(
        "process-instances", noted.andThen(StatementsNoted.beforeExecutionsRead(beforeExecutionsRead))));
    configuration.setJobExecutorActivate(false);
    engine = configuration.buildProcessEngine();
    runtime = engine.getRuntimeService();
    instances = new ProcessInstances(engine);
    // as the room's wait for an ACK: a receive task in a scope of its own, for its gate timer
    engine.getRepositoryService().createDeployment()
        .addModelInstance("wait.bpmn", Bpmn.createExecutableProcess("wait")
            .camundaHistoryTimeToLive(1)
            .startEvent()
            .receiveTask("Task_Wait").message("Go")
            .boundaryEvent("Timer_Gate").timerWithDuration("PT1H").endEvent()
            .moveToActivity("Task_Wait")
            .receiveTask("Task_After").message("Next")
            .endEvent()
            .done())
        .deploy();
  }

  @AfterEach
  void close() {
    engine.close();
  }

  @Test
  void aWaitingInstanceTakesTheMessage_readWholeInOneStatementPerTable() {
    String instance = runtime.startProcessInstanceByKey("wait").getId();
    statements.clear();

    boolean reached = instances.messageReceived(instance, "Go", Map.of("report", "DELIVERED"));
    List<String> read = List.copyOf(statements);

    assertThat(reached).isTrue();
    assertThat(waitingAt(instance)).containsExactly("Task_After");
    assertThat(runtime.getVariable(instance, "report")).isEqualTo("DELIVERED");
    assertThat(engine.getManagementService().createJobQuery().count()).isZero(); // gate timer gone
    assertThat(reads(read, "ACT_RU_EXECUTION")).containsExactly("PROC_INST_ID_");
    assertThat(reads(read, "ACT_RU_EVENT_SUBSCR")).isEmpty(); // by their instance's executions
    assertThat(read).filteredOn(sql -> sql.contains("join ACT_RU_EVENT_SUBSCR")).hasSize(1);
  }

  @Test
  void anInstanceWaitingForAnotherMessage_isLeftAsItIs_afterOneRead() {
    String instance = runtime.startProcessInstanceByKey("wait").getId();
    statements.clear();

    assertThat(instances.messageReceived(instance, "Next", Map.of())).isFalse();

    assertThat(statements).hasSize(1);
    assertThat(waitingAt(instance)).containsExactly("Task_Wait");
  }

  @Test
  void anInstanceThatIsGone_isNotWaiting() {
    assertThat(instances.messageReceived("no-such-instance", "Go", Map.of())).isFalse();
  }

  @Test
  void twoMessagesInOneCommand_theSecondMeetsTheInstanceAsTheFirstLeftIt() {
    String instance = runtime.startProcessInstanceByKey("wait").getId();
    boolean[] reached = new boolean[3];

    instances.together(() -> {
      reached[0] = instances.messageReceived(instance, "Go", Map.of());
      reached[1] = instances.messageReceived(instance, "Go", Map.of()); // no longer waits for it
      reached[2] = instances.messageReceived(instance, "Next", Map.of()); // waits for it now
    });

    assertThat(reached).containsExactly(true, false, true);
    assertThat(runtime.createProcessInstanceQuery().processInstanceId(instance).count()).isZero();
  }

  @Test
  void anInstanceMovedOnBetweenItsReads_isNoLongerWaiting() {
    String instance = runtime.startProcessInstanceByKey("wait").getId();
    // another node's ACK commits after this one read the subscriptions, before the executions
    beforeExecutionsRead.set(() -> runtime.correlateMessage("Go"));

    assertThat(instances.messageReceived(instance, "Go", Map.of())).isFalse();

    assertThat(beforeExecutionsRead.get()).isNull(); // it did come between the reads
    assertThat(waitingAt(instance)).containsExactly("Task_After");
  }

  @Test
  void severalInstancesTakeTheirMessages_readTogetherInOneStatementPerTable() {
    List<String> ids = List.of(start(), start(), start());
    statements.clear();

    List<String> reached = readTogetherThenReceived(ids, "DELIVERED");
    List<String> read = List.copyOf(statements);

    assertThat(reached).containsExactlyElementsOf(ids);
    for (String id : ids) {
      assertThat(waitingAt(id)).containsExactly("Task_After");
      assertThat(runtime.getVariable(id, "report")).isEqualTo("DELIVERED");
    }
    assertThat(engine.getManagementService().createJobQuery().count()).isZero(); // gate timers gone
    List<String> selects = selects(read);
    assertThat(selects.subList(0, 4))
        .allMatch(sql -> sql.endsWith(" in (?, ?, ?)"))
        .anyMatch(sql -> sql.startsWith("select * from ACT_RU_EXECUTION where PROC_INST_ID_"))
        .anyMatch(sql -> sql.startsWith("select * from ACT_RU_JOB J where J.PROCESS_INSTANCE_ID_"))
        .anyMatch(sql -> sql.contains("FROM ACT_RU_VARIABLE RES"))
        .anyMatch(sql -> sql.contains("join ACT_RU_EVENT_SUBSCR"));
    // nothing of an instance read again, by instance, execution or parent
    assertThat(selects.subList(4, selects.size()))
        .noneMatch(sql -> sql.matches(".*(PROC_INST_ID_|PROCESS_INSTANCE_ID_|EXECUTION_ID_|PARENT_ID_) = .*"));
  }

  @Test
  void messagesTogether_reachOnlyTheInstancesThatWaitForThem() {
    String movedOn = start();
    String stillWaiting = start();
    runtime.createMessageCorrelation("Go").processInstanceId(movedOn).correlate(); // to Task_After

    List<String> reached = readTogetherThenReceived(
        List.of(movedOn, "no-such-instance", stillWaiting, stillWaiting), "X");

    assertThat(reached).containsExactly(stillWaiting); // the second message finds it moved on
    assertThat(waitingAt(movedOn)).containsExactly("Task_After");
    assertThat(waitingAt(stillWaiting)).containsExactly("Task_After");
  }

  @Test
  void anInstanceMovedOnBetweenTheReadsTogether_isNoLongerWaiting_theOthersTakeTheirs() {
    String overtaken = start();
    String other = start();
    // another node's ACK commits after the subscriptions were read, before the executions
    beforeExecutionsRead.set(
        () -> runtime.createMessageCorrelation("Go").processInstanceId(overtaken).correlate());

    List<String> reached = readTogetherThenReceived(List.of(overtaken, other), "X");

    assertThat(beforeExecutionsRead.get()).isNull(); // it did come between the reads
    assertThat(reached).containsExactly(other);
    assertThat(waitingAt(overtaken)).containsExactly("Task_After");
    assertThat(waitingAt(other)).containsExactly("Task_After");
  }

  private String start() {
    return runtime.startProcessInstanceByKey("wait").getId();
  }

  /** Reads the instances together, then hands each its message, all in one command. */
  private List<String> readTogetherThenReceived(List<String> ids, String report) {
    List<String> reached = new ArrayList<>();
    instances.together(() -> {
      instances.readTogether(ids);
      for (String id : ids) {
        if (instances.messageReceived(id, "Go", Map.of("report", report))) {
          reached.add(id);
        }
      }
    });
    return reached;
  }

  private static List<String> selects(List<String> statements) {
    return statements.stream()
        .map(sql -> sql.replaceAll("\\s+", " ").trim())
        .filter(sql -> sql.regionMatches(true, 0, "select", 0, 6))
        .toList();
  }

  private List<String> waitingAt(String instance) {
    return runtime.getActiveActivityIds(instance);
  }

  /** The column each read of the table selects its rows by. */
  private static List<String> reads(List<String> statements, String table) {
    return statements.stream()
        .map(sql -> sql.replaceAll("\\s+", " ").trim())
        .filter(sql -> sql.startsWith("select * from " + table + " where"))
        .map(sql -> sql.replaceAll(".* where \\(?(\\w+) = .*", "$1"))
        .toList();
  }
}
