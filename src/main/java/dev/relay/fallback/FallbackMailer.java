package dev.relay.fallback;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.mail.SimpleMailMessage;
import org.springframework.mail.javamail.JavaMailSender;
import org.springframework.stereotype.Component;

/**
 * Tells a person by e-mail what chat delivery could not. Sends over SMTP when {@code spring.mail.*}
 * is configured; without it (the demo) it logs the mail instead, so a newcomer sees the fallback.
 */
@Component
class FallbackMailer {

  private static final Logger log = LoggerFactory.getLogger(FallbackMailer.class);

  private final JavaMailSender smtp;
  private final String from;

  FallbackMailer(
      ObjectProvider<JavaMailSender> smtp, @Value("${relay.fallback.from:relay@localhost}") String from) {
    this.smtp = smtp.getIfAvailable();
    this.from = from;
  }

  /** Sends one mail; an SMTP failure propagates, so the engine retries the step. */
  public void send(String to, String subject, String text) {
    if (smtp == null) {
      log.info("Fallback e-mail (no SMTP configured) to {}: {}\n{}", to, subject, text);
      return;
    }
    SimpleMailMessage mail = new SimpleMailMessage();
    mail.setFrom(from);
    mail.setTo(to);
    mail.setSubject(subject);
    mail.setText(text);
    smtp.send(mail);
  }
}
