package dev.relay.webhook;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relay.web.RequestSizeLimit;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Nothing larger than {@code relay.webhooks.max-request-size} is read, let alone verified. */
@Configuration
class WebhookSecurity {

  @Bean
  FilterRegistrationBean<RequestSizeLimit> webhookRequestSizeLimit(
      WebhookProperties properties, ObjectMapper json) {
    return RequestSizeLimit.on(
        "/webhooks/*", "webhook-request-size-limit", properties.maxRequestSize(), json);
  }
}
