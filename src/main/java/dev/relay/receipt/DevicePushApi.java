package dev.relay.receipt;

import dev.relay.receipt.DevicePush.Receipt;
import dev.relay.receipt.DevicePush.SyncFailed;
import feign.Headers;
import feign.RequestLine;
import java.net.URI;

/** Feign view of a device's push endpoints; the URI argument is the device's push URL. */
interface DevicePushApi {

  @RequestLine("POST /receipts")
  @Headers("Content-Type: application/json")
  void receipt(URI pushUrl, Receipt receipt);

  @RequestLine("POST /receipts/retract")
  @Headers("Content-Type: application/json")
  void retract(URI pushUrl, Receipt receipt);

  @RequestLine("POST /sync-failed")
  @Headers("Content-Type: application/json")
  void syncFailed(URI pushUrl, SyncFailed notice);
}
