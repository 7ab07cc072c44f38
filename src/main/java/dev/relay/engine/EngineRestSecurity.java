package dev.relay.engine;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.util.Base64;
import org.camunda.bpm.engine.IdentityService;
import org.camunda.bpm.engine.rest.security.auth.ProcessEngineAuthenticationFilter;
import org.camunda.bpm.engine.rest.security.auth.impl.HttpBasicAuthenticationProvider;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Profile;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * The engine REST API can deploy and run anything, so it always asks for a Camunda user (HTTP
 * basic, the users of Camunda Admin). Outside the demo the actuator does too, but for health and
 * its probes: metrics tell how busy Relay is and which channels fail. Health answers anyone with
 * its status, and a logged-in user with its components' details too. Wrong passwords delay a
 * user's next login by at most {@code login-delay-max-time} and never lock it for good
 * ({@code camunda.bpm.generic-properties} in application.yml, docs/operations.md).
 */
@Configuration
class EngineRestSecurity {

  @Bean
  FilterRegistrationBean<ProcessEngineAuthenticationFilter> engineRestAuthentication() {
    FilterRegistrationBean<ProcessEngineAuthenticationFilter> registration =
        new FilterRegistrationBean<>(new ProcessEngineAuthenticationFilter());
    registration.addUrlPatterns("/engine-rest/*");
    registration.addInitParameter(
        "authentication-provider", HttpBasicAuthenticationProvider.class.getName());
    registration.setName("engine-rest-authentication");
    return registration;
  }

  @Bean
  @Profile("!demo")
  FilterRegistrationBean<ActuatorAuthentication> actuatorAuthentication(IdentityService identities) {
    FilterRegistrationBean<ActuatorAuthentication> registration =
        new FilterRegistrationBean<>(new ActuatorAuthentication(identities));
    registration.addUrlPatterns("/actuator", "/actuator/*");
    registration.setName("actuator-authentication");
    return registration;
  }

  /**
   * HTTP basic with a Camunda user for every actuator endpoint but health and its probes. Asks
   * this node's engine (Camunda's own filter would look up a "default" engine by name).
   */
  static final class ActuatorAuthentication extends OncePerRequestFilter {

    private final IdentityService identities;

    ActuatorAuthentication(IdentityService identities) {
      this.identities = identities;
    }

    @Override
    protected void doFilterInternal(
        HttpServletRequest request, HttpServletResponse response, FilterChain chain)
        throws ServletException, IOException {
      String user = authenticated(request.getHeader(HttpHeaders.AUTHORIZATION));
      if (user != null) {
        // the user is the request's principal: health shows its details to it (when-authorized)
        chain.doFilter(asUser(request, user), response);
      } else if (isHealth(request)) {
        chain.doFilter(request, response);
      } else {
        response.setStatus(HttpStatus.UNAUTHORIZED.value());
        response.setHeader(HttpHeaders.WWW_AUTHENTICATE, "Basic realm=\"relay\"");
      }
    }

    private static HttpServletRequest asUser(HttpServletRequest request, String user) {
      Principal principal = () -> user;
      return new HttpServletRequestWrapper(request) {
        @Override
        public Principal getUserPrincipal() {
          return principal;
        }

        @Override
        public String getRemoteUser() {
          return user;
        }
      };
    }

    /** By the decoded, normalised path: a raw "/actuator/health/../metrics" is metrics. */
    private static boolean isHealth(HttpServletRequest request) {
      String path =
          request.getServletPath() + (request.getPathInfo() == null ? "" : request.getPathInfo());
      return path.equals("/actuator/health") || path.startsWith("/actuator/health/");
    }

    /**
     * The user the request logs in as, null for none or a wrong password. Wrong passwords count as
     * any login's do: they delay the user's next one.
     */
    private String authenticated(String header) {
      if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
        return null;
      }
      String credentials;
      try {
        credentials =
            new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException notBase64) {
        return null;
      }
      int colon = credentials.indexOf(':');
      String user = colon > 0 ? credentials.substring(0, colon) : null;
      return user != null && identities.checkPassword(user, credentials.substring(colon + 1))
          ? user
          : null;
    }
  }
}
