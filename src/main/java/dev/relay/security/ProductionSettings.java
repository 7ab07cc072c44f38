package dev.relay.security;

import dev.relay.web.ApiProperties;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.EnvironmentAware;
import org.springframework.core.env.Environment;
import org.springframework.core.env.Profiles;
import org.springframework.stereotype.Component;

/**
 * Outside the demo profile Relay refuses to start on the demo's conveniences: a Camunda
 * administrator from the environment, credentials for {@code /api} (or an explicit {@code
 * relay.api.open=true}), and a webhook secret for every channel. Checked before any bean is made,
 * so the engine never creates a guessable administrator, and every missing setting is named at
 * once ({@link ProductionSettingsFailureAnalyzer} prints them). A post-processor made before
 * other beans: it gets the environment by callback, not by constructor.
 */
@Component
class ProductionSettings implements BeanFactoryPostProcessor, EnvironmentAware {

  static final String DEMO = "demo";
  /** Login delays, not a lock, stop guessing (docs/operations.md): the password must be long. */
  static final int MIN_ADMIN_PASSWORD = 12;

  private Environment environment;

  @Override
  public void setEnvironment(Environment environment) {
    this.environment = environment;
  }

  @Override
  public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) {
    if (environment.acceptsProfiles(Profiles.of(DEMO))) {
      return;
    }
    List<String> missing = missing(environment);
    if (!missing.isEmpty()) {
      throw new MissingProductionSettingsException(missing);
    }
  }

  /** What this environment lacks to run outside the demo, one sentence per setting. */
  static List<String> missing(Environment environment) {
    Binder binder = Binder.get(environment);
    List<String> missing = new ArrayList<>();
    String admin = text(binder, "camunda.bpm.admin-user.id");
    String password = text(binder, "camunda.bpm.admin-user.password");
    if (admin.isEmpty()) {
      missing.add("RELAY_ADMIN_USER: the id of the Camunda administrator (Cockpit, Admin, engine REST)");
    } else if (!admin.matches("[a-zA-Z0-9]+")) {
      // the engine's own rule for user ids: it would refuse to start, less plainly
      missing.add("RELAY_ADMIN_USER: letters and digits only (the one given is '" + admin + "')");
    }
    if (password.length() < MIN_ADMIN_PASSWORD) {
      missing.add(
          "RELAY_ADMIN_PASSWORD: the administrator's initial password, at least "
              + MIN_ADMIN_PASSWORD
              + " characters"
              + (password.isEmpty() ? "" : " (the one given is shorter)"));
    }
    ApiProperties api = binder.bindOrCreate("relay.api", ApiProperties.class);
    if (api.tokens().stream().allMatch(String::isBlank) && !api.open()) {
      missing.add(
          "RELAY_API_TOKENS: the bearer tokens of /api callers, comma-separated"
              + " (or RELAY_API_OPEN=true to leave /api open on purpose)");
    }
    Map<String, Channel> channels =
        binder.bind("relay.channels", Bindable.mapOf(String.class, Channel.class)).orElse(Map.of());
    channels.forEach(
        (name, channel) -> {
          if (channel.webhookSecret() == null || channel.webhookSecret().isBlank()) {
            missing.add(
                "RELAY_CHANNELS_"
                    + name.toUpperCase(Locale.ROOT).replace('-', '_')
                    + "_WEBHOOK_SECRET: the HMAC key of channel "
                    + name
                    + "'s callbacks");
          }
        });
    return missing;
  }

  private static String text(Binder binder, String name) {
    return binder.bind(name, String.class).map(String::trim).orElse("");
  }

  /**
   * The settings of a channel this check reads; a channel is bound when any of them is set (the
   * others are checked by the channel's own properties).
   */
  record Channel(String baseUrl, String apiToken, String webhookSecret) {}
}
