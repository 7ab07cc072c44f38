package dev.relay.fallback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.assertThat;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.execute;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.job;
import static org.mockito.Mockito.doNothing;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.verifyNoMoreInteractions;

import dev.relay.channel.AckGates;
import dev.relay.channel.ChannelPolicies;
import dev.relay.channel.RelayChannelsProperties;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.camunda.bpm.engine.ManagementService;
import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.RuntimeService;
import org.camunda.bpm.engine.impl.util.ClockUtil;
import org.camunda.bpm.engine.runtime.Incident;
import org.camunda.bpm.engine.runtime.Job;
import org.camunda.bpm.engine.runtime.ProcessInstance;
import org.camunda.bpm.engine.test.Deployment;
import org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests;
import org.camunda.bpm.engine.test.junit5.ProcessEngineExtension;
import org.camunda.bpm.engine.test.mock.Mocks;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.mail.MailSendException;

/**
 * fallback-notification.bpmn on an in-memory engine without Spring: the real delegate and {@link
 * ChannelPolicies} (the e-mail step's retry cycle), a mocked {@link FallbackNotifier}. Its only
 * contract with MessageResendProcess, which calls it, is the business key (the messageId).
 */
@ExtendWith(ProcessEngineExtension.class)
@Deployment(resources = "bpmn/fallback-notification.bpmn")
class FallbackNotificationProcessTest {

  private static final String MESSAGE_ID = "msg-1";
  private static final Instant START = Instant.parse("2025-03-01T10:00:00Z");
  private static final List<Duration> RETRY_DELAYS =
      List.of(Duration.ofSeconds(5), Duration.ofSeconds(15), Duration.ofMinutes(1));

  ProcessEngine processEngine; // injected by ProcessEngineExtension

  private final FallbackNotifier notifier = mock(FallbackNotifier.class);
  private RuntimeService runtime;
  private ManagementService management;

  @BeforeEach
  void wireEngine() {
    BpmnAwareTests.init(processEngine);
    runtime = processEngine.getRuntimeService();
    management = processEngine.getManagementService();
    ClockUtil.setCurrentTime(Date.from(START));
    RelayChannelsProperties channels =
        new RelayChannelsProperties(Map.of(), RETRY_DELAYS, Duration.ofSeconds(10), 32);
    Mocks.register("channelPolicies", new ChannelPolicies(channels, new AckGates(channels)));
    Mocks.register("sendFallbackEmailDelegate", new SendFallbackEmailDelegate(notifier));
  }

  @AfterEach
  void unwireEngine() {
    Mocks.reset();
    ClockUtil.reset();
  }

  @Test
  void sendsTheFallbackEmailInAJobOfItsOwnForTheBusinessKeysMessage() {
    ProcessInstance fallback = start();

    assertThat(fallback)
        .hasBusinessKey(MESSAGE_ID)
        .isWaitingAtExactly("Task_SendFallbackEmail")
        .hasPassed("StartEvent_DeliveryGivenUp");
    verifyNoInteractions(notifier); // not in the caller's transaction

    execute(job("Task_SendFallbackEmail", fallback));

    assertThat(fallback)
        .isEnded()
        .hasPassedInOrder(
            "StartEvent_DeliveryGivenUp", "Task_SendFallbackEmail", "EndEvent_Notified");
    verify(notifier).notifyByEmail(MESSAGE_ID);
    verifyNoMoreInteractions(notifier);
  }

  @Test
  void mailFailuresRetryOnTheCycleThenRaiseAnIncident() {
    doThrow(new MailSendException("SMTP server unreachable"))
        .when(notifier)
        .notifyByEmail(MESSAGE_ID);
    ProcessInstance fallback = start();

    int retriesLeft = RETRY_DELAYS.size();
    for (Duration delay : RETRY_DELAYS) {
      Job failed = failEmail(fallback);
      assertThat(failed.getRetries()).isEqualTo(retriesLeft--);
      assertThat(failed.getDuedate())
          .isEqualTo(Date.from(ClockUtil.getCurrentTime().toInstant().plus(delay)));
      ClockUtil.setCurrentTime(failed.getDuedate());
    }
    Job exhausted = failEmail(fallback);

    assertThat(exhausted.getRetries()).isZero();
    Incident incident =
        runtime.createIncidentQuery().processInstanceId(fallback.getId()).singleResult();
    assertThat(incident.getIncidentType()).isEqualTo(Incident.FAILED_JOB_HANDLER_TYPE);
    assertThat(incident.getActivityId()).isEqualTo("Task_SendFallbackEmail");
    assertThat(incident.getIncidentMessage()).isEqualTo("SMTP server unreachable");
    assertThat(fallback).isWaitingAtExactly("Task_SendFallbackEmail");
    verify(notifier, times(RETRY_DELAYS.size() + 1)).notifyByEmail(MESSAGE_ID);

    // an operator retries it once SMTP is back
    doNothing().when(notifier).notifyByEmail(MESSAGE_ID);
    management.setJobRetries(exhausted.getId(), 1);
    execute(job("Task_SendFallbackEmail", fallback));

    assertThat(fallback).isEnded().hasPassed("EndEvent_Notified");
    assertThat(runtime.createIncidentQuery().processInstanceId(fallback.getId()).count()).isZero();
  }

  /**
   * As MessageResendProcess's call activity starts it: by key, with the messageId as business key.
   */
  private ProcessInstance start() {
    return runtime.startProcessInstanceByKey(FallbackNotificationProcess.KEY, MESSAGE_ID);
  }

  private Job failEmail(ProcessInstance fallback) {
    Job job = job("Task_SendFallbackEmail", fallback);
    assertThatThrownBy(() -> execute(job)).isInstanceOf(MailSendException.class);
    return management.createJobQuery().jobId(job.getId()).singleResult();
  }
}
