package dev.cairn.cli.report;

import dev.cairn.cli.ChannelView;
import dev.cairn.core.InFlightMode;
import dev.cairn.core.manifest.Manifest;
import dev.cairn.core.manifest.TopologyDescriptor;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The topology of a checkpoint as inline SVG: operators as boxes ({@code data-node}), channels as
 * arrows ({@code data-edge="from->to"}) labelled with what was in flight on them in that checkpoint
 * (records in copy mode, the offset range in reference mode). Laid out left to right by {@link
 * LayeredLayout}; edges that skip a layer arc above the boxes, edges that close a cycle (or point
 * backwards) curve below them, so that no edge runs through a box.
 */
final class TopologyDiagram {

    private static final int NODE_H = 46;
    private static final int ROW_GAP = 44;
    private static final int COL_GAP = 150;
    private static final int MARGIN = 30;
    private static final double CHAR_W = 7.4;

    private TopologyDiagram() {
    }

    private record Box(double x, double y, double w) {
        double cx() {
            return x + w / 2;
        }

        double cy() {
            return y + NODE_H / 2.0;
        }
    }

    static String render(Manifest m) {
        TopologyDescriptor t = m.topology();
        List<ChannelView> channels = ChannelView.of(m);
        List<LayeredLayout.Edge> edges = new ArrayList<>();
        for (ChannelView c : channels) {
            edges.add(new LayeredLayout.Edge(c.from(), c.to()));
        }
        LayeredLayout layout = new LayeredLayout(t.operators(), edges);

        // geometry: columns as wide as their widest box, rows centred on the tallest column
        List<List<String>> layers = layout.layers();
        int maxRows = 1;
        for (List<String> l : layers) {
            maxRows = Math.max(maxRows, l.size());
        }
        double fullHeight = maxRows * NODE_H + (maxRows - 1) * ROW_GAP;
        int backEdges = 0;
        int longEdges = 0;
        int drawn = 0;
        for (ChannelView c : channels) {
            if (t.operators().contains(c.from()) && t.operators().contains(c.to())) {
                drawn++;
                if (curvesBelow(layout, c)) {
                    backEdges++;
                } else if (arcsAbove(layout, c)) {
                    longEdges++;
                }
            }
        }
        double topBand = longEdges == 0 ? 0 : 24 + 22.0 * longEdges;
        double top = MARGIN + topBand;
        Map<String, Box> boxes = new HashMap<>();
        double x = MARGIN;
        for (List<String> l : layers) {
            double colW = 0;
            for (String n : l) {
                colW = Math.max(colW, width(n, subtitle(t, n)));
            }
            double colH = l.size() * NODE_H + (l.size() - 1) * ROW_GAP;
            double y = top + (fullHeight - colH) / 2;
            for (String n : l) {
                double w = width(n, subtitle(t, n));
                boxes.put(n, new Box(x + (colW - w) / 2, y, w));
                y += NODE_H + ROW_GAP;
            }
            x += colW + COL_GAP;
        }
        double width = Math.max(320, x - COL_GAP + MARGIN);
        double height = top + MARGIN + fullHeight + (backEdges == 0 ? 0 : 40 + 22.0 * backEdges);

        StringBuilder s = new StringBuilder();
        s.append("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"topology\" data-topology=\"")
                .append(m.checkpointId()).append("\" data-nodes=\"").append(boxes.size()).append("\" data-edges=\"")
                .append(drawn).append("\" viewBox=\"0 0 ").append(Html.num(width)).append(' ')
                .append(Html.num(height)).append("\" width=\"").append(Html.num(width)).append("\" height=\"")
                .append(Html.num(height)).append("\" role=\"img\" aria-label=\"topology of checkpoint ")
                .append(m.checkpointId()).append("\">\n");
        s.append("<title>topology of checkpoint ").append(m.checkpointId()).append("</title>\n");
        s.append("<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerUnits=\"userSpaceOnUse\" "
                + "markerWidth=\"11\" markerHeight=\"11\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" class=\"arrowhead\"/>"
                + "</marker></defs>\n");

        int below = 0;
        int above = 0;
        for (ChannelView c : channels) {
            Box a = boxes.get(c.from());
            Box b = boxes.get(c.to());
            if (a == null || b == null) {
                continue; // an endpoint the topology does not list: shown in the channel table only
            }
            String path;
            double lx;
            double ly;
            if (arcsAbove(layout, c)) {
                above++;
                double x0 = a.cx();
                double y0 = a.y();
                double x1 = b.cx();
                double y1 = b.y();
                double peak = top - 14 - 22.0 * (longEdges - above);
                double lift = (peak - 0.125 * (y0 + y1)) / 0.75; // both controls here: the curve peaks at 'peak'
                path = "M" + Html.num(x0) + "," + Html.num(y0) + " C" + Html.num(x0) + "," + Html.num(lift) + " "
                        + Html.num(x1) + "," + Html.num(lift) + " " + Html.num(x1) + "," + Html.num(y1);
                lx = (x0 + x1) / 2;
                ly = peak - 4;
            } else if (!curvesBelow(layout, c)) {
                double x0 = a.x() + a.w();
                double y0 = a.cy();
                double x1 = b.x();
                double y1 = b.cy();
                double dx = Math.max(40, (x1 - x0) / 2);
                path = "M" + Html.num(x0) + "," + Html.num(y0) + " C" + Html.num(x0 + dx) + "," + Html.num(y0) + " "
                        + Html.num(x1 - dx) + "," + Html.num(y1) + " " + Html.num(x1) + "," + Html.num(y1);
                lx = (x0 + x1) / 2;
                ly = (y0 + y1) / 2 - 6;
            } else {
                below++;
                double x0 = a.cx();
                double y0 = a.y() + NODE_H;
                double x1 = b.cx();
                double y1 = b.y() + NODE_H;
                double dip = top + fullHeight + 18 + 22.0 * below;
                path = "M" + Html.num(x0) + "," + Html.num(y0) + " C" + Html.num(x0) + "," + Html.num(dip) + " "
                        + Html.num(x1) + "," + Html.num(dip) + " " + Html.num(x1) + "," + Html.num(y1);
                lx = (x0 + x1) / 2;
                ly = 0.125 * y0 + 0.75 * dip + 0.125 * y1 - 4;
            }
            String label = label(c);
            s.append("<g class=\"edge").append(busy(c) ? " busy" : "").append("\" data-edge=\"")
                    .append(Html.attr(c.channel())).append("\" data-mode=\"").append(c.mode() == null ? "" : c.mode().name())
                    .append("\" data-inflight=\"").append(c.records() == null ? "" : c.records()).append("\" data-range=\"")
                    .append(Html.attr(c.range())).append("\">\n");
            s.append("<title>").append(Html.text(c.channel() + ": " + c.describe())).append("</title>\n");
            s.append("<path d=\"").append(path).append("\" marker-end=\"url(#arrow)\"/>\n");
            s.append("<text x=\"").append(Html.num(lx)).append("\" y=\"").append(Html.num(ly))
                    .append("\" text-anchor=\"middle\">").append(Html.text(label)).append("</text>\n");
            s.append("</g>\n");
        }
        for (String n : t.operators()) {
            Box b = boxes.get(n);
            String sub = subtitle(t, n);
            s.append("<g class=\"node\" data-node=\"").append(Html.attr(n)).append("\">\n");
            s.append("<title>").append(Html.text(n + (sub.isEmpty() ? "" : " (" + sub + ")"))).append("</title>\n");
            s.append("<rect x=\"").append(Html.num(b.x())).append("\" y=\"").append(Html.num(b.y())).append("\" width=\"")
                    .append(Html.num(b.w())).append("\" height=\"").append(NODE_H).append("\" rx=\"8\"/>\n");
            double ty = sub.isEmpty() ? b.cy() + 5 : b.cy() - 2;
            s.append("<text class=\"name\" x=\"").append(Html.num(b.cx())).append("\" y=\"").append(Html.num(ty))
                    .append("\" text-anchor=\"middle\">").append(Html.text(n)).append("</text>\n");
            if (!sub.isEmpty()) {
                s.append("<text class=\"sub\" x=\"").append(Html.num(b.cx())).append("\" y=\"").append(Html.num(b.cy() + 14))
                        .append("\" text-anchor=\"middle\">").append(Html.text(sub)).append("</text>\n");
            }
            s.append("</g>\n");
        }
        s.append("</svg>\n");
        return s.toString();
    }

    private static boolean curvesBelow(LayeredLayout layout, ChannelView c) {
        return layout.isBackEdge(c.from(), c.to()) || layout.layerOf(c.from()) >= layout.layerOf(c.to());
    }

    /** A forward edge that skips a layer: drawn straight it would cross the boxes in between. */
    private static boolean arcsAbove(LayeredLayout layout, ChannelView c) {
        return !curvesBelow(layout, c) && layout.layerOf(c.to()) - layout.layerOf(c.from()) > 1;
    }

    private static boolean busy(ChannelView c) {
        if (c.mode() == InFlightMode.REFERENCE || c.records() == null) {
            Long n = c.rangeLength();
            return n != null && n > 0;
        }
        return c.records() > 0;
    }

    /** The label on an edge: "2 in flight" (copy) or "[30, 51)" (reference). */
    static String label(ChannelView c) {
        if (c.mode() == InFlightMode.REFERENCE || c.records() == null) {
            return c.range();
        }
        return c.records() + " in flight";
    }

    /** "in: payments" for a source, "out: results" for a sink, both for a node that is both. */
    private static String subtitle(TopologyDescriptor t, String n) {
        List<String> parts = new ArrayList<>();
        List<String> in = t.sources().get(n);
        List<String> out = t.sinks().get(n);
        if (in != null && !in.isEmpty()) {
            parts.add("in: " + String.join(", ", in));
        }
        if (out != null && !out.isEmpty()) {
            parts.add("out: " + String.join(", ", out));
        }
        return String.join("; ", parts);
    }

    private static double width(String name, String subtitle) {
        return Math.max(96, Math.max(name.length() * CHAR_W * 1.1, subtitle.length() * CHAR_W * 0.9) + 28);
    }
}
