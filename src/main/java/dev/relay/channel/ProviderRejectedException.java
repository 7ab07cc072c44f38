package dev.relay.channel;

/** The provider refused the message for good (a 4xx other than 429). */
public class ProviderRejectedException extends RuntimeException {

  private final int status;

  public ProviderRejectedException(int status, String message) {
    super(message);
    this.status = status;
  }

  public int status() {
    return status;
  }
}
