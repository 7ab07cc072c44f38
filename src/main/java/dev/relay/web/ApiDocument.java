package dev.relay.web;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.media.ArraySchema;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.IntegerSchema;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.ObjectSchema;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServletResponse;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpStatus;

/**
 * The OpenAPI document of {@code /api} (API.md is the contract it describes), served with Swagger
 * UI only where {@code springdoc.api-docs.enabled} is set: the demo profile. Controllers name the
 * error statuses of their own operations; every error answer gets the problem+json schema here,
 * and every operation the 401 of the API token and the 413 of the size limit.
 */
@Configuration
class ApiDocument {

  private static final String PROBLEM = "Problem";
  private static final String TOKEN = "apiToken";

  @Bean
  OpenAPI relayApi() {
    return new OpenAPI()
        .info(
            new Info()
                .title("Relay API")
                .version("1")
                .description(
                    "Intake, the message and room views, read receipts across devices and channels"
                        + " at run time. Errors are application/problem+json (RFC 9457)."))
        .components(
            new Components()
                .addSecuritySchemes(
                    TOKEN,
                    new SecurityScheme()
                        .type(SecurityScheme.Type.HTTP)
                        .scheme("bearer")
                        .description("One of relay.api.tokens; none while the API is open (the demo)")))
        .addSecurityItem(new SecurityRequirement().addList(TOKEN));
  }

  /**
   * With the UI off springdoc serves nothing, but Spring Boot still serves the UI's files from
   * their webjar: refused alike.
   */
  @Bean
  @ConditionalOnProperty(name = "springdoc.swagger-ui.enabled", havingValue = "false", matchIfMissing = true)
  FilterRegistrationBean<Filter> swaggerUiFilesOff(ObjectMapper json) {
    FilterRegistrationBean<Filter> registration =
        new FilterRegistrationBean<>(
            (request, response, chain) ->
                Problems.write(
                    (HttpServletResponse) response,
                    Problems.problem(HttpStatus.NOT_FOUND, "Not found", "Swagger UI is off", "not-found"),
                    json));
    registration.addUrlPatterns("/webjars/swagger-ui/*");
    registration.setName("swagger-ui-files-off");
    return registration;
  }

  /** Runs after springdoc has dropped the schemas nothing referred to, as Problem did then. */
  @Bean
  OpenApiCustomizer problemAnswers() {
    return api -> {
      api.getComponents().addSchemas(PROBLEM, problemSchema());
      api.getPaths().values().stream()
          .flatMap(path -> path.readOperations().stream())
          .forEach(ApiDocument::describeErrors);
    };
  }

  private static void describeErrors(Operation operation) {
    ApiResponses responses = operation.getResponses();
    responses.putIfAbsent("401", new ApiResponse().description("Wrong or missing API token"));
    if (operation.getRequestBody() != null) {
      responses.putIfAbsent(
          "413", new ApiResponse().description("Body larger than relay.api.max-request-size"));
    }
    responses.forEach(
        (status, response) -> {
          if (status.startsWith("4") || status.startsWith("5")) {
            response.setContent(problemContent());
          }
        });
  }

  private static Content problemContent() {
    return new Content()
        .addMediaType(
            org.springframework.http.MediaType.APPLICATION_PROBLEM_JSON_VALUE,
            new MediaType().schema(new Schema<>().$ref("#/components/schemas/" + PROBLEM)));
  }

  private static Schema<?> problemSchema() {
    Schema<?> fieldError =
        new ObjectSchema()
            .addProperty("field", new StringSchema().description("the field, $ for the whole document"))
            .addProperty("message", new StringSchema());
    return new ObjectSchema()
        .description("RFC 9457 problem details")
        .addProperty("type", new StringSchema().format("uri").example("https://relay.dev/problems/validation"))
        .addProperty("title", new StringSchema())
        .addProperty("status", new IntegerSchema())
        .addProperty("detail", new StringSchema())
        .addProperty("instance", new StringSchema().format("uri"))
        .addProperty(
            "errors",
            new ArraySchema().items(fieldError).description("validation problems only: each bad field"));
  }
}
