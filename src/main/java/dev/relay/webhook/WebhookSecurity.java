package dev.relay.webhook;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relay.web.RequestSizeLimit;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

/** Nothing larger than {@code relay.webhooks.max-request-size} is read, let alone verified. */
@Configuration
class WebhookSecurity {

  @Bean
  FilterRegistrationBean<RequestSizeLimit> webhookRequestSizeLimit(
      WebhookProperties properties, ObjectMapper json) {
    FilterRegistrationBean<RequestSizeLimit> registration =
        new FilterRegistrationBean<>(new RequestSizeLimit(properties.maxRequestSize(), json));
    registration.addUrlPatterns("/webhooks/*");
    registration.setName("webhook-request-size-limit");
    registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 100);
    return registration;
  }
}
