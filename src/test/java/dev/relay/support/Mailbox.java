package dev.relay.support;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetupTest;
import jakarta.mail.Address;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;
import java.util.Arrays;
import java.util.List;

/** A real SMTP server (GreenMail), one per JVM like {@link ProviderStub}; tests use unique addresses. */
public final class Mailbox {

  private static final Mailbox INSTANCE = new Mailbox();

  private final GreenMail greenMail;

  private Mailbox() {
    greenMail = new GreenMail(ServerSetupTest.SMTP.dynamicPort());
    greenMail.start();
    Runtime.getRuntime().addShutdownHook(new Thread(greenMail::stop, "mailbox-stop"));
  }

  public static Mailbox instance() {
    return INSTANCE;
  }

  public int smtpPort() {
    return greenMail.getSmtp().getPort();
  }

  /** The mails received for this address so far. */
  public List<MimeMessage> to(String address) {
    return Arrays.stream(greenMail.getReceivedMessages())
        .filter(mail -> isFor(mail, address))
        .toList();
  }

  private static boolean isFor(MimeMessage mail, String address) {
    try {
      Address[] recipients = mail.getAllRecipients();
      return recipients != null
          && Arrays.stream(recipients).anyMatch(r -> r.toString().equalsIgnoreCase(address));
    } catch (MessagingException e) {
      throw new IllegalStateException(e);
    }
  }
}
