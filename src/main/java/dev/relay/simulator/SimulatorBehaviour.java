package dev.relay.simulator;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonIgnore;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.springframework.boot.convert.DurationStyle;

/**
 * The simulator's live settings: seeded from {@link SimulatorProperties}, changed at run time by
 * tests ({@code PUT /simulator/behaviour}). Each request reads one immutable {@link Settings}
 * snapshot, so a change never applies half-way through a request.
 */
public final class SimulatorBehaviour {

  /** The fields {@link #update} understands; also the JSON of {@code GET /simulator/behaviour}. */
  static final List<String> FIELDS =
      List.of(
          "callbackUrl",
          "webhookSecret",
          "callbackDelay",
          "callbackJitter",
          "readDelay",
          "dropRate",
          "duplicateRate",
          "reorderRate",
          "earlyRate",
          "readRate",
          "serverErrorRate",
          "tooManyRequestsRate",
          "retryAfterSeconds",
          "dropRecipientPrefix");

  private final Settings initial;
  private final AtomicReference<Settings> current;

  public SimulatorBehaviour(SimulatorProperties properties) {
    this(Settings.from(properties));
  }

  public SimulatorBehaviour(Settings initial) {
    this.initial = initial;
    this.current = new AtomicReference<>(initial);
  }

  public Settings current() {
    return current.get();
  }

  /**
   * Applies a partial update: absent or {@code null} fields keep their value. Durations are
   * milliseconds when numbers, or strings such as {@code "250ms"} / {@code "PT0.25S"}.
   *
   * @throws IllegalArgumentException naming the offending field; nothing is changed then
   */
  public Settings update(Map<String, ?> changes) {
    return current.updateAndGet(s -> s.with(changes)); // with() is pure, so a retried CAS is harmless
  }

  /** Back to the values the application started with. */
  public Settings reset() {
    current.set(initial);
    return initial;
  }

  /**
   * One immutable set of settings; see {@link SimulatorProperties} for what each one does. The
   * secrets are left out of the JSON view: {@code webhookSecret} is write-only, the per-channel
   * {@code webhookSecrets} come from the properties alone.
   */
  public record Settings(
      String callbackUrl,
      @JsonIgnore String webhookSecret,
      @JsonIgnore Map<String, String> webhookSecrets,
      @JsonFormat(shape = JsonFormat.Shape.STRING) Duration callbackDelay,
      @JsonFormat(shape = JsonFormat.Shape.STRING) Duration callbackJitter,
      @JsonFormat(shape = JsonFormat.Shape.STRING) Duration readDelay,
      double dropRate,
      double duplicateRate,
      double reorderRate,
      double earlyRate,
      double readRate,
      double serverErrorRate,
      double tooManyRequestsRate,
      int retryAfterSeconds,
      String dropRecipientPrefix) {

    public Settings {
      requireText("callbackUrl", callbackUrl);
      requireText("webhookSecret", webhookSecret);
      webhookSecrets = webhookSecrets == null ? Map.of() : Map.copyOf(webhookSecrets);
      webhookSecrets.forEach((channel, secret) -> requireText("webhookSecrets." + channel, secret));
      requireNonNegative("callbackDelay", callbackDelay);
      requireNonNegative("callbackJitter", callbackJitter);
      requireNonNegative("readDelay", readDelay);
      requireRate("dropRate", dropRate);
      requireRate("duplicateRate", duplicateRate);
      requireRate("reorderRate", reorderRate);
      requireRate("earlyRate", earlyRate);
      requireRate("readRate", readRate);
      requireRate("serverErrorRate", serverErrorRate);
      requireRate("tooManyRequestsRate", tooManyRequestsRate);
      if (retryAfterSeconds < 0) {
        throw new IllegalArgumentException("retryAfterSeconds must be >= 0");
      }
    }

    static Settings from(SimulatorProperties p) {
      return new Settings(
          p.callbackUrl(),
          p.webhookSecret(),
          p.webhookSecrets(),
          p.callbackDelay(),
          p.callbackJitter(),
          p.readDelay(),
          p.dropRate(),
          p.duplicateRate(),
          p.reorderRate(),
          p.earlyRate(),
          p.readRate(),
          p.serverErrorRate(),
          p.tooManyRequestsRate(),
          p.retryAfterSeconds(),
          p.dropRecipientPrefix());
    }

    /** The key of the channel's callback signatures: its own secret, else {@code webhookSecret}. */
    String secretOf(String channel) {
      return webhookSecrets.getOrDefault(channel, webhookSecret);
    }

    /** Whether messages to this recipient never get a callback ({@code dropRecipientPrefix}). */
    boolean dropsCallbacksTo(String to) {
      return dropRecipientPrefix != null
          && !dropRecipientPrefix.isEmpty()
          && to.startsWith(dropRecipientPrefix);
    }

    /** A copy with the given fields changed; unknown field names are rejected, not ignored. */
    public Settings with(Map<String, ?> changes) {
      Set<String> unknown = new LinkedHashSet<>(changes.keySet());
      FIELDS.forEach(unknown::remove);
      if (!unknown.isEmpty()) {
        throw new IllegalArgumentException("unknown field(s) " + unknown + "; known: " + FIELDS);
      }
      return new Settings(
          text(changes, "callbackUrl", callbackUrl),
          text(changes, "webhookSecret", webhookSecret),
          webhookSecrets,
          duration(changes, "callbackDelay", callbackDelay),
          duration(changes, "callbackJitter", callbackJitter),
          duration(changes, "readDelay", readDelay),
          number(changes, "dropRate", dropRate),
          number(changes, "duplicateRate", duplicateRate),
          number(changes, "reorderRate", reorderRate),
          number(changes, "earlyRate", earlyRate),
          number(changes, "readRate", readRate),
          number(changes, "serverErrorRate", serverErrorRate),
          number(changes, "tooManyRequestsRate", tooManyRequestsRate),
          integer(changes, "retryAfterSeconds", retryAfterSeconds),
          text(changes, "dropRecipientPrefix", dropRecipientPrefix));
    }

    private static String text(Map<String, ?> changes, String field, String old) {
      Object value = changes.get(field);
      if (value == null) {
        return old;
      }
      if (value instanceof String s) {
        return s;
      }
      throw new IllegalArgumentException(field + " must be a string");
    }

    private static Duration duration(Map<String, ?> changes, String field, Duration old) {
      Object value = changes.get(field);
      if (value == null) {
        return old;
      }
      if (value instanceof Number n) {
        return Duration.ofMillis(n.longValue());
      }
      if (value instanceof String s) {
        try {
          return DurationStyle.detectAndParse(s.trim());
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(field + " is not a duration: '" + s + "'");
        }
      }
      throw new IllegalArgumentException(field + " must be a duration such as \"200ms\"");
    }

    private static double number(Map<String, ?> changes, String field, double old) {
      Object value = changes.get(field);
      if (value == null) {
        return old;
      }
      if (value instanceof Number n) {
        return n.doubleValue();
      }
      throw new IllegalArgumentException(field + " must be a number");
    }

    private static int integer(Map<String, ?> changes, String field, int old) {
      Object value = changes.get(field);
      if (value == null) {
        return old;
      }
      if ((value instanceof Integer || value instanceof Long || value instanceof Short)
          && ((Number) value).longValue() == ((Number) value).intValue()) {
        return ((Number) value).intValue();
      }
      throw new IllegalArgumentException(field + " must be an integer");
    }

    private static void requireText(String field, String value) {
      if (value == null || value.isBlank()) {
        throw new IllegalArgumentException(field + " must not be blank");
      }
    }

    private static void requireNonNegative(String field, Duration value) {
      if (value == null || value.isNegative()) {
        throw new IllegalArgumentException(field + " must be a duration >= 0");
      }
    }

    private static void requireRate(String field, double value) {
      if (!(value >= 0 && value <= 1)) { // also rejects NaN
        throw new IllegalArgumentException(field + " must be between 0 and 1");
      }
    }
  }
}
