package dev.relay.delivery;

import dev.relay.channel.AckGates;
import dev.relay.delivery.ProviderStatus.Outcome;
import dev.relay.jdbc.AfterCommit;
import dev.relay.logs.MessageLog;
import dev.relay.timeline.Timeline;
import dev.relay.timeline.TimelineEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * Applies provider statuses to their messages and reports an ACK or a failure to the process
 * instance that waits for it (its room's, or its own resend instance), by that instance's id.
 * Each runs under the message's row lock, in the same transaction as the correlation, so that
 * neither can slip between a dispatch reading the status and its instance starting to wait (see
 * {@link DeliveryService#dispatch}).
 */
@Service
@Transactional(propagation = Propagation.MANDATORY)
public class MessageStatuses {

  private static final Logger log = LoggerFactory.getLogger(MessageStatuses.class);

  private final MessageRepository messages;
  private final DeliveryInstances instances;
  private final Timeline timeline;
  private final ProviderStatusLog statusLog;
  private final DeliveryMetrics metrics;
  private final AckGates ackGates;

  MessageStatuses(
      MessageRepository messages,
      DeliveryInstances instances,
      Timeline timeline,
      ProviderStatusLog statusLog,
      DeliveryMetrics metrics,
      AckGates ackGates) {
    this.messages = messages;
    this.instances = instances;
    this.timeline = timeline;
    this.statusLog = statusLog;
    this.metrics = metrics;
    this.ackGates = ackGates;
  }

  /** Records {@code sent} statuses: they change nothing, so they need no lock. */
  public void noteSent(List<ProviderStatus> sent) {
    statusLog.noteSent(sent);
  }

  /** Records the status and reports it to the instance that waits for it. */
  public Outcome apply(ProviderStatus status) {
    Outcome outcome = applied(status, this::handOff);
    statusLog.record(status, outcome);
    return outcome;
  }

  /**
   * Applies the statuses in this order as one engine command: each message's status first, then
   * the reports to the instances that wait for them, which are read together and flushed together,
   * once (see {@link dev.relay.engine.ProcessInstances#together}). A later status of the same
   * message (read after delivered) finds its row as the earlier one left it.
   */
  public void applyAll(List<ProviderStatus> statuses) {
    instances.together(
        () -> {
          List<Report> reports = new ArrayList<>();
          List<Outcome> outcomes = new ArrayList<>(statuses.size());
          for (ProviderStatus status : statuses) {
            try (var logged = MessageLog.open()) {
              Outcome outcome = applied(status, reports::add);
              outcomes.add(outcome);
              log.debug("Status {} from the provider: {}", status.kind(), outcome);
            }
          }
          statusLog.recordAll(statuses, outcomes);
          instances.readTogether(reports.stream().map(r -> r.message().reportInstanceId()).toList());
          reports.forEach(this::handOff);
        });
  }

  /**
   * Records the status only. The waiting instance finds it at its next step (the room's gate
   * hands nothing over for a delivered message, the next resend sees the ACK and stops): the
   * fallback when the report cannot reach the instance.
   */
  public Outcome record(ProviderStatus status) {
    Outcome outcome = applied(status, report -> {});
    statusLog.record(status, outcome);
    return outcome;
  }

  /** What a status has to tell the instance that waits for its message's report. */
  private record Report(Message message, DeliveryReport report) {}

  private void handOff(Report report) {
    Message message = report.message();
    try (var logged = MessageLog.open(message.messageId(), message.roomId())) {
      instances.report(message.reportInstanceId(), report.report());
    }
  }

  private Outcome applied(ProviderStatus status, Consumer<Report> reports) {
    if (status.kind() == ProviderStatus.Kind.DELIVERED && status.reference() != null) {
      // the usual ACK in one statement, which takes the lock as it applies the status
      Instant now = Instant.now();
      Optional<Message> acknowledged = messages.acknowledge(
          status.reference(), status.channel(), MessageStatus.DELIVERED, now);
      if (acknowledged.isPresent()) {
        return firstAck(acknowledged.get(), reports, now);
      }
      // a duplicate, late or stale ACK, or one whose reference is not a message of the channel
    }
    // "sent" changes nothing: it needs no lock (half of all callbacks, on the hot path)
    Optional<Message> found = find(status, status.kind() != ProviderStatus.Kind.SENT);
    if (found.isEmpty()) {
      return Outcome.UNKNOWN;
    }
    Message message = found.get();
    String id = message.messageId();
    MessageLog.identify(id, message.roomId());
    MessageStatus current = message.status();
    Instant now = Instant.now();
    return switch (status.kind()) {
      case SENT -> Outcome.NOTED;
      case DELIVERED -> {
        if (current.isAcknowledged()) {
          yield Outcome.DUPLICATE;
        }
        if (current.isGivenUp()) {
          yield late(id, status);
        }
        messages.updateStatus(id, MessageStatus.DELIVERED, now);
        yield firstAck(message, reports, now);
      }
      case READ -> {
        if (current == MessageStatus.READ) {
          yield Outcome.DUPLICATE;
        }
        if (current.isGivenUp()) {
          yield late(id, status);
        }
        messages.updateStatus(id, MessageStatus.READ, now);
        if (!current.isAcknowledged()) {
          // read implies delivered: it is the ACK
          acknowledged(message, MessageStatus.READ, now);
          report(message, DeliveryReport.DELIVERED, reports);
        } else {
          metrics.statusChanged(message.channel(), MessageStatus.READ);
        }
        yield Outcome.APPLIED;
      }
      case FAILED -> {
        if (current.isAcknowledged() || current.isGivenUp()) {
          yield Outcome.STALE;
        }
        messages.updateStatus(id, MessageStatus.FAILED, now);
        metrics.statusChanged(message.channel(), MessageStatus.FAILED);
        timeline.record(id, TimelineEvent.PROVIDER_FAILED);
        timeline.record(id, TimelineEvent.FAILED);
        report(message, DeliveryReport.FAILED, reports);
        yield Outcome.APPLIED;
      }
    };
  }

  /**
   * The message's first ACK, the {@code delivered} status applied under its lock: taken as the
   * delivery report of the instance that waits for it.
   */
  private Outcome firstAck(Message message, Consumer<Report> reports, Instant now) {
    MessageLog.identify(message.messageId(), message.roomId());
    acknowledged(message, MessageStatus.DELIVERED, now);
    report(message, DeliveryReport.DELIVERED, reports);
    return Outcome.APPLIED;
  }

  /**
   * The ACK. Its delay, from the first attempt's dispatched_at, is measured and is a sample of the
   * channel's ACK gate while the message has had one attempt, once the status is committed: one
   * rolled back and recorded again is no second sample. One that came before the dispatch was
   * recorded is sampled by the dispatch.
   */
  private void acknowledged(Message message, MessageStatus status, Instant now) {
    metrics.statusChanged(message.channel(), status);
    if (message.attempts() == 1 && message.dispatchedAt() != null) {
      Duration delay = Duration.between(message.dispatchedAt(), now);
      metrics.acknowledged(message.channel(), delay);
      // once committed: a status rolled back and applied again is one sample
      AfterCommit.run(() -> ackGates.record(message.channel(), delay));
    }
  }

  private static void report(Message message, DeliveryReport report, Consumer<Report> reports) {
    if (message.reportInstanceId() != null) {
      reports.accept(new Report(message, report));
    }
  }

  private Outcome late(String messageId, ProviderStatus status) {
    timeline.record(messageId, TimelineEvent.LATE_ACK, null, status.kind().name().toLowerCase());
    return Outcome.LATE;
  }

  private Optional<Message> find(ProviderStatus status, boolean lock) {
    Function<String, Optional<Message>> load = lock ? messages::lock : messages::find;
    Optional<Message> found =
        status.reference() == null ? Optional.empty() : load.apply(status.reference());
    if (found.isEmpty() && status.providerMessageId() != null) {
      found =
          messages
              .findByProviderId(status.providerMessageId())
              .flatMap(m -> load.apply(m.messageId()));
    }
    return found.filter(m -> m.channel().equals(status.channel()));
  }
}
