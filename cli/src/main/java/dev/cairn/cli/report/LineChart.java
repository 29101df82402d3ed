package dev.cairn.cli.report;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.function.LongFunction;

/**
 * A time-series chart as inline SVG: one circle per point ({@code data-point}), a line through the
 * successful ones, y from 0 with round ticks, x in UTC time. Deterministic: the same points give the
 * same bytes.
 */
final class LineChart {

    /** One value at one time; {@code failed} points are drawn apart (red) and not joined by the line. */
    record Point(long checkpointId, long atMillis, long value, boolean failed, String label) {
    }

    static final int WIDTH = 760;
    static final int HEIGHT = 250;
    private static final int LEFT = 78;
    private static final int RIGHT = 24;
    private static final int TOP = 16;
    private static final int BOTTOM = 42;

    private LineChart() {
    }

    /**
     * @param name   the value of {@code data-chart}
     * @param title  accessible title
     * @param points the points, any order
     * @param unit   how a value is printed on the axis and in tooltips
     */
    static String render(String name, String title, List<Point> points, LongFunction<String> unit) {
        List<Point> sorted = new ArrayList<>(points);
        sorted.sort(Comparator.comparingLong(Point::atMillis).thenComparingLong(Point::checkpointId));
        StringBuilder s = new StringBuilder();
        s.append("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" data-chart=\"").append(Html.attr(name))
                .append("\" data-points=\"").append(sorted.size()).append("\" viewBox=\"0 0 ").append(WIDTH).append(' ')
                .append(HEIGHT).append("\" width=\"").append(WIDTH).append("\" height=\"").append(HEIGHT)
                .append("\" role=\"img\" aria-label=\"").append(Html.attr(title)).append("\">\n");
        s.append("<title>").append(Html.text(title)).append("</title>\n");
        double plotW = WIDTH - LEFT - RIGHT;
        double plotH = HEIGHT - TOP - BOTTOM;
        s.append("<rect class=\"plot\" x=\"").append(LEFT).append("\" y=\"").append(TOP).append("\" width=\"")
                .append(Html.num(plotW)).append("\" height=\"").append(Html.num(plotH)).append("\"/>\n");
        if (sorted.isEmpty()) {
            s.append("<text class=\"empty\" x=\"").append(Html.num(LEFT + plotW / 2)).append("\" y=\"")
                    .append(Html.num(TOP + plotH / 2)).append("\" text-anchor=\"middle\">no data</text>\n</svg>\n");
            return s.toString();
        }
        long minT = sorted.get(0).atMillis();
        long maxT = sorted.get(sorted.size() - 1).atMillis();
        if (maxT == minT) {
            minT -= 30_000;
            maxT += 30_000;
        }
        long maxV = 0;
        for (Point p : sorted) {
            maxV = Math.max(maxV, p.value());
        }
        long step = niceStep(Math.max(1, maxV), 4);
        long top = Math.max(step, ((maxV + step - 1) / step) * step);
        if (top == maxV && maxV > 0) {
            top += step;
        }

        // y grid and labels
        for (long v = 0; v <= top; v += step) {
            double y = TOP + plotH - plotH * v / top;
            s.append("<line class=\"grid\" x1=\"").append(LEFT).append("\" x2=\"").append(Html.num(LEFT + plotW))
                    .append("\" y1=\"").append(Html.num(y)).append("\" y2=\"").append(Html.num(y)).append("\"/>\n");
            s.append("<text class=\"axis\" x=\"").append(LEFT - 6).append("\" y=\"").append(Html.num(y + 4))
                    .append("\" text-anchor=\"end\">").append(Html.text(unit.apply(v))).append("</text>\n");
        }
        // x labels: first, middle, last
        DateTimeFormatter fmt = DateTimeFormatter.ofPattern(maxT - minT > 86_400_000L ? "MM-dd HH:mm" : "HH:mm:ss",
                Locale.ROOT).withZone(ZoneOffset.UTC);
        long[] ticks = {minT, minT + (maxT - minT) / 2, maxT};
        String[] anchors = {"start", "middle", "end"};
        for (int i = 0; i < ticks.length; i++) {
            double x = x(ticks[i], minT, maxT, plotW);
            s.append("<text class=\"axis\" x=\"").append(Html.num(x)).append("\" y=\"").append(HEIGHT - BOTTOM + 18)
                    .append("\" text-anchor=\"").append(anchors[i]).append("\">").append(fmt.format(Instant.ofEpochMilli(ticks[i])))
                    .append("</text>\n");
        }
        s.append("<text class=\"axis\" x=\"").append(Html.num(LEFT + plotW / 2)).append("\" y=\"").append(HEIGHT - 6)
                .append("\" text-anchor=\"middle\">time (UTC)</text>\n");

        // the line through the successful points
        StringBuilder line = new StringBuilder();
        for (Point p : sorted) {
            if (!p.failed()) {
                line.append(line.length() == 0 ? "" : " ").append(Html.num(x(p.atMillis(), minT, maxT, plotW))).append(',')
                        .append(Html.num(y(p.value(), top, plotH)));
            }
        }
        if (line.length() > 0) {
            s.append("<polyline class=\"series\" points=\"").append(line).append("\"/>\n");
        }
        for (Point p : sorted) {
            s.append("<circle data-point=\"").append(p.checkpointId()).append("\" data-value=\"").append(p.value())
                    .append("\" class=\"").append(p.failed() ? "point failed" : "point").append("\" cx=\"")
                    .append(Html.num(x(p.atMillis(), minT, maxT, plotW))).append("\" cy=\"")
                    .append(Html.num(y(p.value(), top, plotH))).append("\" r=\"4\"><title>")
                    .append(Html.text(p.label())).append("</title></circle>\n");
        }
        s.append("</svg>\n");
        return s.toString();
    }

    private static double x(long t, long minT, long maxT, double plotW) {
        return LEFT + plotW * (t - minT) / (double) (maxT - minT);
    }

    private static double y(long v, long top, double plotH) {
        return TOP + plotH - plotH * v / (double) top;
    }

    /** A step of 1, 2 or 5 times a power of ten giving about {@code n} steps up to {@code max}. */
    static long niceStep(long max, int n) {
        double raw = (double) max / n;
        double pow = Math.pow(10, Math.floor(Math.log10(raw)));
        double f = raw / pow;
        double nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
        return Math.max(1, (long) Math.ceil(nice * pow));
    }
}
