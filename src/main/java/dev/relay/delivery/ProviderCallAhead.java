package dev.relay.delivery;

import dev.relay.channel.ChannelGuard;
import dev.relay.engine.ContinuationPreparation;
import org.springframework.stereotype.Component;

/**
 * The provider call of a dispatch (Task_DispatchMessage, Task_ResendMessage: extension property
 * {@code waitForAdmission = <the message id>}) made before its job runs on the node that created it:
 * the job's thread then only records it. A channel that holds calls (circuit, rate limit) leaves the
 * call to the job, which is admitted first ({@link ProviderCallHold}).
 */
@Component
class ProviderCallAhead implements ContinuationPreparation {

  private final DeliveryService deliveries;
  private final ChannelGuard guard;

  ProviderCallAhead(DeliveryService deliveries, ChannelGuard guard) {
    this.deliveries = deliveries;
    this.guard = guard;
  }

  @Override
  public Prepared prepare(String messageId) {
    if (!guard.holdsNone()) {
      return null;
    }
    return deliveries.callAhead(messageId).map(ProviderCallAhead::forTheJob).orElse(null);
  }

  private static Prepared forTheJob(ProviderCall.MadeAhead call) {
    return new Prepared() {
      @Override
      public void enter() {
        DeliveryService.useCallMadeAhead(call);
      }

      @Override
      public void exit() {
        DeliveryService.useCallMadeAhead(null);
      }
    };
  }
}
