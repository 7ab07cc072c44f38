package dev.relay.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

class ApiAuthenticationFilterTest {

  private final ObjectMapper json = new ObjectMapper();

  @Test
  void withoutConfiguredTokensTheApiIsOpen() throws Exception {
    MockFilterChain chain = new MockFilterChain();
    new ApiAuthenticationFilter(List.of(), json)
        .doFilter(new MockHttpServletRequest("POST", "/api/messages"), new MockHttpServletResponse(), chain);
    assertThat(chain.getRequest()).isNotNull();
  }

  @Test
  void aConfiguredTokenLetsTheCallThrough() throws Exception {
    MockHttpServletRequest request = new MockHttpServletRequest("POST", "/api/messages");
    request.addHeader("Authorization", "Bearer second");
    MockFilterChain chain = new MockFilterChain();

    new ApiAuthenticationFilter(List.of("first", "second"), json)
        .doFilter(request, new MockHttpServletResponse(), chain);

    assertThat(chain.getRequest()).isSameAs(request);
  }

  @Test
  void aMissingOrWrongTokenIsAnsweredWith401ProblemAndGoesNoFurther() throws Exception {
    for (String header : new String[] {null, "Bearer wrong", "Basic Zmlyc3Q=", "Bearer firs"}) {
      MockHttpServletRequest request = new MockHttpServletRequest("POST", "/api/messages");
      if (header != null) {
        request.addHeader("Authorization", header);
      }
      MockHttpServletResponse response = new MockHttpServletResponse();
      MockFilterChain chain = new MockFilterChain();

      new ApiAuthenticationFilter(List.of("first"), json).doFilter(request, response, chain);

      assertThat(response.getStatus()).as(header).isEqualTo(401);
      assertThat(response.getContentType()).isEqualTo("application/problem+json");
      assertThat(response.getHeader("WWW-Authenticate")).isEqualTo("Bearer");
      assertThat(response.getContentAsString()).contains("\"status\":401");
      assertThat(chain.getRequest()).isNull();
    }
  }
}
