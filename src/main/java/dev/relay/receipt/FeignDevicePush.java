package dev.relay.receipt;

import com.fasterxml.jackson.databind.ObjectMapper;
import feign.Feign;
import feign.FeignException;
import feign.Request;
import feign.RetryableException;
import feign.Retryer;
import feign.Target;
import feign.http2client.Http2Client;
import feign.jackson.JacksonEncoder;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.springframework.stereotype.Component;

/**
 * One Feign client for all devices (each call names its device's URL). Feign never retries by
 * itself: retries belong to the engine's jobs, visible in Cockpit and surviving a node's death.
 */
@Component
class FeignDevicePush implements DevicePush {

  private final DevicePushApi api;

  FeignDevicePush(RelayReceiptsProperties properties, ObjectMapper objectMapper) {
    Duration timeout = properties.pushTimeout();
    HttpClient http =
        HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(timeout).build();
    this.api =
        Feign.builder()
            .client(new Http2Client(http))
            .encoder(new JacksonEncoder(objectMapper))
            .options(
                new Request.Options(
                    timeout.toMillis(), TimeUnit.MILLISECONDS, timeout.toMillis(), TimeUnit.MILLISECONDS, false))
            .retryer(Retryer.NEVER_RETRY)
            .target(Target.EmptyTarget.create(DevicePushApi.class));
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

  private static void call(Runnable request) {
    try {
      request.run();
    } catch (RetryableException e) {
      // timeouts, connection refused, and 503 answers with Retry-After all land here
      throw new TransientPushException(describe(e), e);
    } catch (FeignException e) {
      int status = e.status();
      if (status == 429 || status >= 500 || status < 0) {
        throw new TransientPushException(describe(e), e);
      }
      throw new PushRejectedException(describe(e));
    }
  }

  private static String describe(FeignException e) {
    return e.status() > 0
        ? "device answered " + e.status() + ": " + e.contentUTF8()
        : "device unreachable: " + e.getMessage();
  }
}
