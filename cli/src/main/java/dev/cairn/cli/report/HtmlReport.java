package dev.cairn.cli.report;

import dev.cairn.cli.ChannelView;
import dev.cairn.cli.Format;
import dev.cairn.cli.checkpoints.Listings;
import dev.cairn.core.manifest.Manifest;
import dev.cairn.core.storage.CheckpointHistoryEntry;
import dev.cairn.core.storage.CheckpointListing;
import dev.cairn.core.storage.CheckpointStatus;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The checkpoint report: one self-contained HTML page (inline CSS and SVG, no script, nothing
 * fetched) with the history of a job's checkpoints — duration, size and in-flight records over time
 * — the topology of the newest restorable checkpoint with what was in flight on each channel, and
 * the table of retained checkpoints.
 *
 * <p>The history comes from {@code HISTORY.jsonl}; without one it falls back to the retained
 * manifests (durations then only where a manifest has a {@code durationMillis} property). Elements
 * are marked for tests and tools: {@code data-chart} on each chart, {@code data-point} on each
 * point, {@code data-topology}, {@code data-node}, {@code data-edge="from->to"}, {@code
 * data-checkpoint} on each table row.
 */
public final class HtmlReport {

    /** What the page is made of, read from the storage by {@link ReportCommand}. */
    public record Input(String jobId, Path jobDir, Listings.Epoch epoch, List<CheckpointListing> listings,
                        List<CheckpointHistoryEntry> history, long generatedAtMillis) {
    }

    /** The chart series and where they came from. */
    record Series(String source, List<LineChart.Point> duration, List<LineChart.Point> size,
                  List<LineChart.Point> inFlight) {
    }

    private HtmlReport() {
    }

    static Series series(List<CheckpointHistoryEntry> history, List<CheckpointListing> listings) {
        List<LineChart.Point> duration = new ArrayList<>();
        List<LineChart.Point> size = new ArrayList<>();
        List<LineChart.Point> inFlight = new ArrayList<>();
        if (!history.isEmpty()) {
            for (CheckpointHistoryEntry e : history) {
                boolean failed = !CheckpointHistoryEntry.COMPLETED.equals(e.status());
                String at = " at " + Format.time(e.atMillis()) + " (epoch " + e.epoch() + ")";
                duration.add(new LineChart.Point(e.checkpointId(), e.atMillis(), e.durationMillis(), failed,
                        "checkpoint " + e.checkpointId() + (failed ? " FAILED after " : ": ")
                                + Format.duration(e.durationMillis()) + at + (failed && e.reason() != null ? ": " + e.reason() : "")));
                if (!failed) {
                    size.add(new LineChart.Point(e.checkpointId(), e.atMillis(), e.sizeBytes(), false,
                            "checkpoint " + e.checkpointId() + ": " + Format.bytes(e.sizeBytes()) + at));
                    inFlight.add(new LineChart.Point(e.checkpointId(), e.atMillis(), e.inFlightRecords(), false,
                            "checkpoint " + e.checkpointId() + ": " + e.inFlightRecords() + " records in flight" + at));
                }
            }
            return new Series("the checkpoint history (HISTORY.jsonl, " + history.size() + " entries)", duration, size, inFlight);
        }
        int manifests = 0;
        for (CheckpointListing l : listings) {
            Manifest m = l.manifest();
            if (m == null) {
                continue;
            }
            manifests++;
            String at = " at " + Format.time(m.createdAtMillis()) + " (epoch " + m.epoch() + ")";
            Long d = durationProperty(m);
            if (d != null) {
                duration.add(new LineChart.Point(m.checkpointId(), m.createdAtMillis(), d, false,
                        "checkpoint " + m.checkpointId() + ": " + Format.duration(d) + at));
            }
            size.add(new LineChart.Point(m.checkpointId(), m.createdAtMillis(), m.totalBytes(), false,
                    "checkpoint " + m.checkpointId() + ": " + Format.bytes(m.totalBytes()) + at));
            Long records = Listings.inFlightRecords(m);
            if (records != null) { // reference mode counts no records
                inFlight.add(new LineChart.Point(m.checkpointId(), m.createdAtMillis(), records, false,
                        "checkpoint " + m.checkpointId() + ": " + records + " records in flight" + at));
            }
        }
        return new Series("the " + manifests + " retained manifests (the job has no HISTORY.jsonl yet)",
                duration, size, inFlight);
    }

    private static Long durationProperty(Manifest m) {
        String v = m.properties().get("durationMillis");
        if (v == null) {
            return null;
        }
        try {
            long d = Long.parseLong(v.trim());
            return d < 0 ? null : d;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** The checkpoint whose topology is drawn: the newest restorable one, else the newest readable one. */
    static CheckpointListing pictured(List<CheckpointListing> listings) {
        for (CheckpointListing l : listings) {
            if (l.status() == CheckpointStatus.COMPLETE) {
                return l;
            }
        }
        for (CheckpointListing l : listings) {
            if (l.manifest() != null) {
                return l;
            }
        }
        return null;
    }

    public static String render(Input in) {
        Series series = series(in.history(), in.listings());
        Long restorable = Listings.restorable(in.listings());
        StringBuilder h = new StringBuilder(32 * 1024);
        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n")
                .append("<title>cairn checkpoints: job ").append(Html.text(in.jobId())).append("</title>\n")
                .append("<style>\n").append(CSS).append("</style>\n</head>\n<body>\n");
        h.append("<header>\n<h1>Checkpoints of job <code>").append(Html.text(in.jobId())).append("</code></h1>\n");
        h.append("<p class=\"meta\">").append(Html.text(in.jobDir().toString())).append(" · ")
                .append(Html.text(in.epoch().describe())).append(" · restorable: ")
                .append(restorable == null ? "none" : "checkpoint " + restorable).append(" · report made ")
                .append(Html.text(Format.time(in.generatedAtMillis()))).append("</p>\n</header>\n");

        h.append("<section id=\"history\">\n<h2>History</h2>\n<p class=\"note\">From ").append(Html.text(series.source()))
                .append(". Failed checkpoints are red and only in the duration chart. In-flight records are those counted by "
                        + "the receivers: reference mode keeps offset ranges on the topics instead, and counts none.</p>\n");
        chart(h, "duration", "Duration (trigger to commit)", series.duration(), Format::duration);
        chart(h, "size", "Size (bytes referenced)", series.size(), Format::bytes);
        chart(h, "in-flight", "In-flight records captured", series.inFlight(), Long::toString);
        h.append("</section>\n");

        h.append("<section id=\"topology\">\n<h2>Topology</h2>\n");
        CheckpointListing pictured = pictured(in.listings());
        if (pictured == null) {
            h.append("<p class=\"empty\">No checkpoint with a readable manifest: nothing to draw.</p>\n");
        } else {
            Manifest m = pictured.manifest();
            h.append("<p class=\"note\">As recorded in checkpoint ").append(m.checkpointId()).append(" (")
                    .append(pictured.status()).append(", ").append(m.inFlightMode()).append(" mode, taken ")
                    .append(Html.text(Format.time(m.createdAtMillis()))).append("). Labels: records in flight on the "
                            + "channel (copy mode) or the offset range [receiver position, sender marker offset) on its "
                            + "topic (reference mode).</p>\n");
            h.append("<div class=\"diagram\">\n").append(TopologyDiagram.render(m)).append("</div>\n");
            channelTable(h, ChannelView.of(m));
        }
        h.append("</section>\n");

        h.append("<section id=\"checkpoints\">\n<h2>Retained checkpoints</h2>\n");
        checkpointTable(h, in.listings());
        failedTable(h, in.history());
        h.append("</section>\n");
        h.append("<footer>Made by <code>cairn report</code>. Self-contained: no script, nothing loaded from the network.</footer>\n");
        h.append("</body>\n</html>\n");
        return h.toString();
    }

    private static void chart(StringBuilder h, String name, String title, List<LineChart.Point> points,
                              java.util.function.LongFunction<String> unit) {
        h.append("<figure>\n<figcaption>").append(Html.text(title)).append(" — ").append(points.size())
                .append(points.size() == 1 ? " checkpoint" : " checkpoints").append("</figcaption>\n")
                .append(LineChart.render(name, title, points, unit)).append("</figure>\n");
    }

    private static void channelTable(StringBuilder h, List<ChannelView> channels) {
        if (channels.isEmpty()) {
            return;
        }
        h.append("<table class=\"channels\">\n<thead><tr><th>channel</th><th>mode</th><th>records</th><th>bytes</th>"
                + "<th>offsets [receiver position, sender marker)</th><th>file</th></tr></thead>\n<tbody>\n");
        for (ChannelView c : channels) {
            h.append("<tr data-channel=\"").append(Html.attr(c.channel())).append("\"><td><code>")
                    .append(Html.text(c.channel())).append("</code></td><td>").append(c.mode() == null ? "?" : c.mode())
                    .append("</td><td class=\"n\">").append(c.records() == null ? "—" : c.records()).append("</td><td class=\"n\">")
                    .append(c.bytes() == null ? "—" : Html.text(Format.bytes(c.bytes()))).append("</td><td class=\"n\">")
                    .append(Html.text(c.range())).append("</td><td>")
                    .append(c.file() == null ? "—" : "<code>" + Html.text(c.file().path()) + "</code>").append("</td></tr>\n");
        }
        h.append("</tbody>\n</table>\n");
    }

    private static void checkpointTable(StringBuilder h, List<CheckpointListing> listings) {
        if (listings.isEmpty()) {
            h.append("<p class=\"empty\">The job has no checkpoints.</p>\n");
            return;
        }
        h.append("<table class=\"checkpoints\">\n<thead><tr><th>id</th><th>status</th><th>epoch</th><th>taken (UTC)</th>"
                + "<th>mode</th><th>size</th><th>in flight</th><th>operators</th></tr></thead>\n<tbody>\n");
        for (CheckpointListing l : listings) {
            Manifest m = l.manifest();
            h.append("<tr data-checkpoint=\"").append(l.checkpointId()).append("\" class=\"")
                    .append(l.status().name().toLowerCase(java.util.Locale.ROOT)).append("\"><td class=\"n\">")
                    .append(l.checkpointId()).append("</td><td>").append(l.status());
            if (l.reason() != null && l.status() != CheckpointStatus.COMPLETE) {
                h.append("<div class=\"why\">").append(Html.text(l.reason())).append("</div>");
            }
            h.append("</td>");
            if (m == null) {
                h.append("<td colspan=\"6\">—</td>");
            } else {
                h.append("<td class=\"n\">").append(m.epoch()).append("</td><td class=\"t\">").append(Html.text(Format.time(m.createdAtMillis())))
                        .append("</td><td>").append(m.inFlightMode()).append("</td><td class=\"n\">")
                        .append(Html.text(Format.bytes(m.totalBytes()))).append("</td><td class=\"n\">")
                        .append(Listings.inFlightRecords(m) == null ? "—" : Listings.inFlightRecords(m)).append("</td><td>")
                        .append(Html.text(String.join(", ", m.topology().operators()))).append("</td>");
            }
            h.append("</tr>\n");
        }
        h.append("</tbody>\n</table>\n");
    }

    private static void failedTable(StringBuilder h, List<CheckpointHistoryEntry> history) {
        List<CheckpointHistoryEntry> failed = new ArrayList<>();
        for (CheckpointHistoryEntry e : history) {
            if (!CheckpointHistoryEntry.COMPLETED.equals(e.status())) {
                failed.add(e);
            }
        }
        if (failed.isEmpty()) {
            return;
        }
        h.append("<h3>Failed checkpoints (history)</h3>\n<table class=\"failed\">\n<thead><tr><th>id</th><th>epoch</th>"
                + "<th>at (UTC)</th><th>after</th><th>reason</th></tr></thead>\n<tbody>\n");
        for (CheckpointHistoryEntry e : failed) {
            h.append("<tr data-failed=\"").append(e.checkpointId()).append("\"><td class=\"n\">").append(e.checkpointId())
                    .append("</td><td class=\"n\">").append(e.epoch()).append("</td><td>").append(Html.text(Format.time(e.atMillis())))
                    .append("</td><td class=\"n\">").append(Html.text(Format.duration(e.durationMillis()))).append("</td><td>")
                    .append(Html.text(e.reason() == null ? "" : e.reason())).append("</td></tr>\n");
        }
        h.append("</tbody>\n</table>\n");
    }

    private static final String CSS = """
            :root { --fg: #1d2430; --muted: #5b6575; --line: #d5dae2; --accent: #2563eb; --bad: #dc2626; --bg: #ffffff; }
            * { box-sizing: border-box; }
            body { margin: 0 auto; max-width: 1100px; padding: 24px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--fg); background: var(--bg); }
            h1 { font-size: 24px; margin: 0 0 4px; }
            h2 { font-size: 18px; margin: 28px 0 6px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
            h3 { font-size: 15px; margin: 18px 0 6px; }
            code { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 0.95em; }
            .meta, .note, footer { color: var(--muted); }
            footer { margin-top: 32px; font-size: 12px; }
            figure { margin: 10px 0 18px; }
            figcaption { font-weight: 600; margin-bottom: 4px; }
            svg { max-width: 100%; height: auto; font: 12px system-ui, "DejaVu Sans", sans-serif; }
            .chart .plot { fill: #f8fafc; stroke: var(--line); }
            .chart .grid { stroke: #e5e8ee; }
            .chart .axis { fill: var(--muted); }
            .chart .empty { fill: var(--muted); font-size: 14px; }
            .chart .series { fill: none; stroke: var(--accent); stroke-width: 2; }
            .chart .point { fill: var(--accent); stroke: #ffffff; stroke-width: 1.5; }
            .chart .point.failed { fill: var(--bad); }
            .diagram { overflow-x: auto; border: 1px solid var(--line); border-radius: 8px; background: #fbfcfe; }
            .topology .node rect { fill: #e8efff; stroke: var(--accent); stroke-width: 1.5; }
            .topology .node .name { font-weight: 600; fill: var(--fg); font-size: 13px; }
            .topology .node .sub { fill: var(--muted); font-size: 11px; }
            .topology .edge path { fill: none; stroke: #8a94a6; stroke-width: 1.6; }
            .topology .edge.busy path { stroke: #d97706; stroke-width: 2.6; }
            .topology .edge text { fill: var(--fg); font-size: 11px; paint-order: stroke; stroke: #fbfcfe; stroke-width: 4px; }
            .topology .arrowhead { fill: #8a94a6; }
            table { border-collapse: collapse; width: 100%; margin: 10px 0; }
            th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
            th { color: var(--muted); font-weight: 600; }
            td.n, td.t { white-space: nowrap; }
            td.n { text-align: right; font-variant-numeric: tabular-nums; }
            tr.corrupt td, tr.newer_format td { color: var(--bad); }
            tr.abandoned td, tr.incomplete td { color: var(--muted); }
            .why { font-size: 12px; }
            .empty { color: var(--muted); font-style: italic; }
            """;
}
