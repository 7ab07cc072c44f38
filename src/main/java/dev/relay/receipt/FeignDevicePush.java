package dev.relay.receipt;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relay.http.RemoteCallException;
import dev.relay.http.RemoteCalls;
import feign.Target;
import java.net.URI;
import org.springframework.stereotype.Component;

/**
 * One Feign client for all devices (each call names its device's URL), set up and sorted as
 * {@link RemoteCalls} does for every service Relay calls: the engine's jobs retry, Feign never
 * does.
 */
@Component
class FeignDevicePush implements DevicePush {

  private final RemoteCalls devices;
  private final DevicePushApi api;

  FeignDevicePush(RelayReceiptsProperties properties, ObjectMapper objectMapper) {
    this.devices = new RemoteCalls("device", properties.pushTimeout(), objectMapper);
    this.api = devices.feign().target(Target.EmptyTarget.create(DevicePushApi.class));
  }

  @Override
  public void pushReceipt(String pushUrl, Receipt receipt) {
    call(() -> api.receipt(URI.create(pushUrl), receipt));
  }

  @Override
  public void retractReceipt(String pushUrl, Receipt receipt) {
    call(() -> api.retract(URI.create(pushUrl), receipt));
  }

  @Override
  public void notifySyncFailed(String originPushUrl, SyncFailed notice) {
    call(() -> api.syncFailed(URI.create(originPushUrl), notice));
  }

  private void call(Runnable request) {
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
