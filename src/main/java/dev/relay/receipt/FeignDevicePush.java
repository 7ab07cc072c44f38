package dev.relay.receipt;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relay.http.RemoteCallException;
import dev.relay.http.RemoteCalls;
import feign.Target;
import java.net.URI;
import java.net.UnknownHostException;
import org.springframework.stereotype.Component;

/**
 * One Feign client for all devices (each call names its device's URL), set up and sorted as
 * {@link RemoteCalls} does for every service Relay calls: the engine's jobs retry, Feign never
 * does. Each URL is checked against {@link PushTargets} right before the call: one the rules
 * refuse (or that came from before them) is never called, and the step fails for good.
 */
@Component
class FeignDevicePush implements DevicePush {

  private final RemoteCalls devices;
  private final DevicePushApi api;
  private final PushTargets targets;

  FeignDevicePush(
      RelayReceiptsProperties properties, PushTargets targets, ObjectMapper objectMapper) {
    this.devices = new RemoteCalls("device", properties.pushTimeout(), objectMapper);
    this.api = devices.feign().target(Target.EmptyTarget.create(DevicePushApi.class));
    this.targets = targets;
  }

  @Override
  public void pushReceipt(String pushUrl, Receipt receipt) {
    call(pushUrl, () -> api.receipt(URI.create(pushUrl), receipt));
  }

  @Override
  public void retractReceipt(String pushUrl, Receipt receipt) {
    call(pushUrl, () -> api.retract(URI.create(pushUrl), receipt));
  }

  @Override
  public void notifySyncFailed(String originPushUrl, SyncFailed notice) {
    call(originPushUrl, () -> api.syncFailed(URI.create(originPushUrl), notice));
  }

  private void call(String pushUrl, Runnable request) {
    try {
      targets.check(pushUrl);
    } catch (PushTargets.RefusedException refused) {
      throw new PushRejectedException("push URL refused: it " + refused.getMessage());
    } catch (UnknownHostException unknown) {
      throw new TransientPushException("device unreachable: its host does not resolve", unknown);
    }
    try {
      devices.run(request);
    } catch (RemoteCallException failed) {
      if (failed.isTransient()) {
        throw new TransientPushException(failed.getMessage(), failed);
      }
      throw new PushRejectedException(failed.getMessage());
    }
  }
}
