package dev.relay.web;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Guards {@code /api}; open while {@code relay.api.tokens} is empty. */
@Configuration
class ApiSecurity {

  @Bean
  FilterRegistrationBean<ApiAuthenticationFilter> apiAuthentication(
      ApiProperties properties, ObjectMapper json) {
    FilterRegistrationBean<ApiAuthenticationFilter> registration =
        new FilterRegistrationBean<>(new ApiAuthenticationFilter(properties.tokens(), json));
    registration.addUrlPatterns("/api/*");
    registration.setName("api-authentication");
    return registration;
  }
}
