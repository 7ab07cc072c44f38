package dev.relay.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * The run over time as a PNG: delivered/s and intake accepted/s on the left axis, ACK → next
 * dispatch p99 on the right. Plain Java 2D, so the test class path needs no charting library.
 */
final class Plot {

  private static final int WIDTH = 1200;
  private static final int HEIGHT = 600;
  private static final int LEFT = 80;
  private static final int RIGHT = 90;
  private static final int TOP = 50;
  private static final int BOTTOM = 60;
  private static final Color DELIVERED = new Color(0x1f77b4);
  private static final Color INTAKE = new Color(0x2ca02c);
  private static final Color LATENCY = new Color(0xd62728);

  private final double[] t;
  private final double xMax;
  private final Graphics2D g;

  private Plot(double[] t, Graphics2D g) {
    this.t = t;
    this.xMax = nice(Math.max(1, t.length == 0 ? 1 : t[t.length - 1]));
    this.g = g;
  }

  /**
   * @param t seconds since the load started, one per sample
   * @param loadEnd when the load stopped (the drain follows)
   */
  static void write(Path file, String title, double[] t, double[] delivered, double[] intake,
      double[] ackToNextP99Ms, double loadEnd) throws IOException {
    System.setProperty("java.awt.headless", "true");
    BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING,
          RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, WIDTH, HEIGHT);
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
      Plot plot = new Plot(t, g);
      double rateMax = nice(Math.max(1, Math.max(max(delivered), max(intake))));
      double latencyMax = nice(Math.max(1, max(ackToNextP99Ms)));
      plot.axes(rateMax, latencyMax, loadEnd);
      plot.line(intake, rateMax, INTAKE, 1.5f);
      plot.line(delivered, rateMax, DELIVERED, 2f);
      plot.line(ackToNextP99Ms, latencyMax, LATENCY, 1.5f);
      plot.legend();
      g.setColor(Color.BLACK);
      g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
      g.drawString(title, LEFT, TOP - 20);
    } finally {
      g.dispose();
    }
    ImageIO.write(image, "png", file.toFile());
  }

  private void axes(double rateMax, double latencyMax, double loadEnd) {
    int x0 = LEFT;
    int x1 = WIDTH - RIGHT;
    int y0 = HEIGHT - BOTTOM;
    int y1 = TOP;
    for (int i = 0; i <= 5; i++) {
      int y = y(i * rateMax / 5, rateMax);
      g.setColor(new Color(0xe0e0e0));
      g.drawLine(x0, y, x1, y);
      g.setColor(Color.DARK_GRAY);
      label(format(i * rateMax / 5), x0 - 8, y + 4, true);
      label(format(i * latencyMax / 5), x1 + 8, y + 4, false);
    }
    double step = xMax / 10;
    for (int i = 0; i <= 10; i++) {
      int x = x(i * step);
      g.setColor(new Color(0xe0e0e0));
      g.drawLine(x, y0, x, y1);
      g.setColor(Color.DARK_GRAY);
      label(format(i * step), x + g.getFontMetrics().stringWidth(format(i * step)) / 2, y0 + 18,
          true);
    }
    g.setColor(Color.BLACK);
    g.drawRect(x0, y1, x1 - x0, y0 - y1);
    label("seconds since the load started", (x0 + x1) / 2 + 90, HEIGHT - 15, true);
    vertical("messages / s", 20, (y0 + y1) / 2);
    vertical("ACK \u2192 next dispatch p99 (ms)", WIDTH - 20, (y0 + y1) / 2);
    if (loadEnd > 0 && loadEnd < xMax) {
      g.setStroke(new BasicStroke(1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
          new float[] {6f, 4f}, 0f));
      g.setColor(Color.GRAY);
      g.drawLine(x(loadEnd), y0, x(loadEnd), y1);
      g.setStroke(new BasicStroke());
      g.drawString("load ends", x(loadEnd) + 4, y0 - 6);
    }
  }

  /** Connects the points; a NaN (no figure that second) breaks the line. */
  private void line(double[] values, double max, Color color, float width) {
    g.setColor(color);
    g.setStroke(new BasicStroke(width));
    Path2D path = new Path2D.Double();
    boolean drawing = false;
    for (int i = 0; i < values.length; i++) {
      if (Double.isNaN(values[i])) {
        drawing = false;
        continue;
      }
      if (drawing) {
        path.lineTo(x(t[i]), y(values[i], max));
      } else {
        path.moveTo(x(t[i]), y(values[i], max));
        g.fillOval(x(t[i]) - 2, y(values[i], max) - 2, 4, 4); // a lone point stays visible
        drawing = true;
      }
    }
    g.draw(path);
    g.setStroke(new BasicStroke());
  }

  private void legend() {
    String[] names = {"delivered / s (left)", "intake accepted / s (left)",
        "ACK \u2192 next dispatch p99, ms (right)"};
    Color[] colors = {DELIVERED, INTAKE, LATENCY};
    int x = LEFT + 12;
    int y = TOP + 18;
    for (int i = 0; i < names.length; i++) {
      g.setColor(colors[i]);
      g.fillRect(x, y - 8 + i * 18, 18, 4);
      g.setColor(Color.BLACK);
      g.drawString(names[i], x + 26, y - 2 + i * 18);
    }
  }

  private int x(double value) {
    return LEFT + (int) Math.round(value / xMax * (WIDTH - LEFT - RIGHT));
  }

  private static int y(double value, double max) {
    return HEIGHT - BOTTOM - (int) Math.round(Math.min(value, max) / max * (HEIGHT - TOP - BOTTOM));
  }

  private void label(String text, int x, int y, boolean rightAligned) {
    g.drawString(text, rightAligned ? x - g.getFontMetrics().stringWidth(text) : x, y);
  }

  private void vertical(String text, int x, int y) {
    Graphics2D rotated = (Graphics2D) g.create();
    rotated.translate(x, y);
    rotated.rotate(-Math.PI / 2);
    rotated.setColor(Color.BLACK);
    rotated.drawString(text, -rotated.getFontMetrics().stringWidth(text) / 2, 0);
    rotated.dispose();
  }

  private static double max(double[] values) {
    return Arrays.stream(values).filter(v -> !Double.isNaN(v)).max().orElse(0);
  }

  /** The smallest of 1, 2, 2.5, 5 × 10^n that is at least {@code value}: a readable axis end. */
  static double nice(double value) {
    double magnitude = Math.pow(10, Math.floor(Math.log10(value)));
    for (double m : new double[] {1, 2, 2.5, 5, 10}) {
      if (m * magnitude >= value) {
        return m * magnitude;
      }
    }
    return 10 * magnitude;
  }

  private static String format(double value) {
    return value == Math.rint(value)
        ? Long.toString((long) value)
        : String.format(Locale.ROOT, "%.1f", value);
  }
}
