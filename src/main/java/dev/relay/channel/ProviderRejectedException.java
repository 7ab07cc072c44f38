package dev.relay.channel;

/** The provider refused the message for good (a 4xx other than 429). */
public class ProviderRejectedException extends RuntimeException {

  public ProviderRejectedException(String message) {
    super(message);
  }
}
