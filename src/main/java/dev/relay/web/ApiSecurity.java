package dev.relay.web;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

/**
 * Guards {@code /api}: first the body's size (nothing larger than {@code relay.api.max-request-size}
 * is read), then the token (open while {@code relay.api.tokens} is empty).
 */
@Configuration
class ApiSecurity {

  @Bean
  FilterRegistrationBean<RequestSizeLimit> apiRequestSizeLimit(
      ApiProperties properties, ObjectMapper json) {
    return RequestSizeLimit.on("/api/*", "api-request-size-limit", properties.maxRequestSize(), json);
  }

  @Bean
  FilterRegistrationBean<ApiAuthenticationFilter> apiAuthentication(
      ApiProperties properties, ObjectMapper json) {
    FilterRegistrationBean<ApiAuthenticationFilter> registration =
        new FilterRegistrationBean<>(new ApiAuthenticationFilter(properties.tokens(), json));
    registration.addUrlPatterns("/api/*");
    registration.setName("api-authentication");
    registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 110);
    return registration;
  }
}
