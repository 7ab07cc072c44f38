package dev.relay.channel;

import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.isNull;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.patch;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import dev.relay.web.ApiProperties;
import java.time.Instant;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.autoconfigure.web.servlet.WebMvcTest;
import org.springframework.context.annotation.ComponentScan.Filter;
import org.springframework.context.annotation.FilterType;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.servlet.MockMvc;

/** API.md §7 at the HTTP edge: the view, the PATCH, and each way a request is refused. */
@WebMvcTest(
    controllers = ChannelController.class,
    includeFilters = @Filter(type = FilterType.REGEX, pattern = "dev\\.relay\\.web\\..*"),
    properties = "relay.api.tokens=" + ChannelControllerTest.API_TOKEN)
@EnableConfigurationProperties(ApiProperties.class)
class ChannelControllerTest {

  static final String API_TOKEN = "slice-api-token";
  private static final String BEARER = "Bearer " + API_TOKEN;
  private static final Instant SINCE = Instant.parse("2026-01-02T03:04:05Z");

  @Autowired MockMvc mvc;
  @MockitoBean ChannelGuard guard;
  @MockitoBean ChannelPolicies policies;

  @BeforeEach
  void whatsappIsConfigured() {
    when(policies.isKnown(anyString())).thenReturn(false);
    when(policies.isKnown("whatsapp")).thenReturn(true);
  }

  @Test
  void get_200_theChannelView() throws Exception {
    when(guard.view("whatsapp"))
        .thenReturn(new ChannelView("whatsapp", 20L, Circuit.OPEN, SINCE, 3, 2000));

    mvc.perform(get("/api/channels/whatsapp").header(HttpHeaders.AUTHORIZATION, BEARER))
        .andExpect(status().isOk())
        .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_JSON))
        .andExpect(jsonPath("$.name").value("whatsapp"))
        .andExpect(jsonPath("$.rateLimit").value(20))
        .andExpect(jsonPath("$.circuit").value("OPEN"))
        .andExpect(jsonPath("$.circuitSince").value("2026-01-02T03:04:05Z"))
        .andExpect(jsonPath("$.waiting").value(3))
        .andExpect(jsonPath("$.ackGate").value(2000));
  }

  @Test
  void get_unknownChannel_404Problem() throws Exception {
    mvc.perform(get("/api/channels/pigeon").header(HttpHeaders.AUTHORIZATION, BEARER))
        .andExpect(status().isNotFound())
        .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
        .andExpect(jsonPath("$.status").value(404))
        .andExpect(jsonPath("$.title").value("Not found"));
  }

  @Test
  void patch_setsTheLimit_200TheView() throws Exception {
    when(guard.setRateLimit("whatsapp", 20.0))
        .thenReturn(new ChannelView("whatsapp", 20L, Circuit.CLOSED, SINCE, 0, 2000));

    patchJson("whatsapp", "{\"rateLimit\": 20}")
        .andExpect(status().isOk())
        .andExpect(jsonPath("$.rateLimit").value(20))
        .andExpect(jsonPath("$.circuit").value("CLOSED"));
  }

  @Test
  void patch_null_removesTheLimit() throws Exception {
    when(guard.setRateLimit("whatsapp", null))
        .thenReturn(new ChannelView("whatsapp", null, Circuit.CLOSED, SINCE, 0, 2000));

    patchJson("whatsapp", "{\"rateLimit\": null}")
        .andExpect(status().isOk())
        .andExpect(jsonPath("$.rateLimit").value((Object) null));
    verify(guard).setRateLimit(anyString(), isNull());
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "{\"rateLimit\": 0}", "{\"rateLimit\": -5}", "{\"rateLimit\": \"20\"}",
      "{\"rateLimit\": true}", "{\"rateLimit\": [20]}", "{}"})
  void patch_badRateLimit_400ProblemNamingRateLimit_nothingChanged(String body) throws Exception {
    patchJson("whatsapp", body)
        .andExpect(status().isBadRequest())
        .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
        .andExpect(jsonPath("$.errors[0].field").value("rateLimit"));
    verify(guard, never()).setRateLimit(anyString(), any());
  }

  @Test
  void patch_anotherField_400NamingIt() throws Exception {
    patchJson("whatsapp", "{\"rateLimit\": 5, \"baseUrl\": \"http://x\"}")
        .andExpect(status().isBadRequest())
        .andExpect(jsonPath("$.errors[0].field").value("baseUrl"));
    verify(guard, never()).setRateLimit(anyString(), any());
  }

  @Test
  void patch_malformedJson_400() throws Exception {
    patchJson("whatsapp", "{\"rateLimit\": ")
        .andExpect(status().isBadRequest())
        .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON));
  }

  @Test
  void patch_unknownChannel_404() throws Exception {
    patchJson("pigeon", "{\"rateLimit\": 5}").andExpect(status().isNotFound());
  }

  @Test
  void patch_withoutCredentials_401_nothingChanged() throws Exception {
    mvc.perform(patch("/api/channels/whatsapp")
            .contentType(MediaType.APPLICATION_JSON)
            .content("{\"rateLimit\": 5}"))
        .andExpect(status().isUnauthorized());
    verify(guard, never()).setRateLimit(anyString(), any());
  }

  private org.springframework.test.web.servlet.ResultActions patchJson(String channel, String body)
      throws Exception {
    return mvc.perform(patch("/api/channels/{name}", channel)
        .header(HttpHeaders.AUTHORIZATION, BEARER)
        .contentType(MediaType.APPLICATION_JSON)
        .content(body));
  }
}
