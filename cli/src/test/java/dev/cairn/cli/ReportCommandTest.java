package dev.cairn.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import javax.imageio.ImageIO;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPathConstants;
import javax.xml.xpath.XPathFactory;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** {@code cairn report}: the page's structure, and that a browser draws it. */
class ReportCommandTest {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    @TempDir
    Path tmp;

    private Path report(JobFixture f) {
        Path out = tmp.resolve("out").resolve("report.html");
        try {
            Files.createDirectories(out.getParent());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        Run run = Run.of("report", "--dir", f.jobDir.toString(), "--out", out.toString());
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.out()).contains("wrote the report of job 'bank' (5 checkpoints, ").contains(out.toString());
        return out;
    }

    /** The page parses as XML (it is written as polyglot HTML), so tests can count its elements. */
    private static Document parse(Path page) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        return factory.newDocumentBuilder().parse(new ByteArrayInputStream(Files.readAllBytes(page)));
    }

    private static List<Element> select(Document d, String xpath) throws Exception {
        NodeList nodes = (NodeList) XPathFactory.newInstance().newXPath().evaluate(xpath, d, XPathConstants.NODESET);
        List<Element> out = new ArrayList<>();
        for (int i = 0; i < nodes.getLength(); i++) {
            out.add((Element) nodes.item(i));
        }
        return out;
    }

    @Test
    void thePageHasAPointPerCheckpointInTheChartsAndDrawsTheTopology() throws Exception {
        JobFixture f = JobFixture.standard(tmp);
        Document d = parse(report(f));

        // HISTORY.jsonl: 4 completed, 1 failed. Durations show all five; size and in-flight the completed.
        assertThat(select(d, "//*[@data-chart='duration']//*[@data-point]")).hasSize(5);
        assertThat(select(d, "//*[@data-chart='duration']//*[@data-point and contains(@class,'failed')]"))
                .extracting(e -> e.getAttribute("data-point")).containsExactly("5");
        assertThat(select(d, "//*[@data-chart='size']//*[@data-point]")).extracting(e -> e.getAttribute("data-point"))
                .containsExactly("1", "2", "3", "4");
        assertThat(select(d, "//*[@data-chart='size']//*[@data-point='3']").get(0).getAttribute("data-value"))
                .isEqualTo(Long.toString(f.manifests.get(3L).totalBytes()));
        assertThat(select(d, "//*[@data-chart='in-flight']//*[@data-point]")).hasSize(4);

        // the topology of checkpoint 4, the newest restorable one: 4 operators, 6 channels
        assertThat(select(d, "//*[@data-topology]")).singleElement()
                .extracting(e -> e.getAttribute("data-topology")).isEqualTo("4");
        assertThat(select(d, "//*[@data-topology]//*[@data-node]")).extracting(e -> e.getAttribute("data-node"))
                .containsExactlyInAnyOrderElementsOf(JobFixture.OPERATORS);
        List<Element> edges = select(d, "//*[@data-topology]//*[@data-edge]");
        assertThat(edges).extracting(e -> e.getAttribute("data-edge"))
                .containsExactlyInAnyOrderElementsOf(JobFixture.CHANNELS);
        for (Element e : edges) {
            int i = JobFixture.CHANNELS.indexOf(e.getAttribute("data-edge"));
            long position = 400 + 10L * i;
            assertThat(e.getAttribute("data-range")).isEqualTo("[" + position + ", " + (position + JobFixture.records(4, i)) + ")");
            assertThat(e.getAttribute("data-mode")).isEqualTo("REFERENCE");
        }
        assertThat(select(d, "//tr[@data-checkpoint]")).hasSize(5);
        assertThat(select(d, "//tr[@data-failed]")).extracting(Element::getTextContent)
                .singleElement().asString().contains("declined by 'audit'");
    }

    @Test
    void withoutAHistoryTheChartsComeFromTheRetainedManifests() throws Exception {
        JobFixture f = JobFixture.standard(tmp);
        Files.delete(f.jobDir.resolve("HISTORY.jsonl"));
        // checkpoint 4 becomes unreadable: the topology falls back to 3, drawn with its copied records
        f.truncate("chk-4/MANIFEST");
        Document d = parse(report(f));
        assertThat(select(d, "//*[@data-chart='duration']//*[@data-point]")).extracting(e -> e.getAttribute("data-value"))
                .containsExactly("10", "20", "30"); // the manifests' durationMillis
        assertThat(select(d, "//*[@data-chart='size']//*[@data-point]")).hasSize(3);
        assertThat(select(d, "//*[@data-topology]")).singleElement()
                .extracting(e -> e.getAttribute("data-topology")).isEqualTo("3");
        for (Element e : select(d, "//*[@data-topology]//*[@data-edge]")) {
            int i = JobFixture.CHANNELS.indexOf(e.getAttribute("data-edge"));
            assertThat(e.getAttribute("data-inflight")).isEqualTo(Integer.toString(JobFixture.records(3, i)));
        }
        assertThat(d.getDocumentElement().getTextContent()).contains("retained manifests");
    }

    @Test
    void thePageLoadsNothingFromOutside() throws Exception {
        String html = Files.readString(report(JobFixture.standard(tmp)), StandardCharsets.UTF_8);
        assertThat(html).doesNotContainIgnoringCase("<script").doesNotContainIgnoringCase("<link")
                .doesNotContainIgnoringCase("src=").doesNotContainIgnoringCase("@import");
        // the only URLs are the SVG namespace and in-page references such as url(#arrow)
        assertThat(html.replace("http://www.w3.org/2000/svg", "")).doesNotContain("http:").doesNotContain("https:");
        assertThat(html).doesNotContainPattern("url\\((?!#)");
    }

    @Test
    void aBrowserDrawsThePage() throws Exception {
        assumeTrue(Files.isExecutable(CHROMIUM), "Chromium is not installed at " + CHROMIUM
                + " (Debian package 'chromium'): the page is not rendered, only its structure is checked");
        Path page = report(JobFixture.standard(tmp));
        Path png = tmp.resolve("report.png");
        Path profile = Files.createDirectory(tmp.resolve("chromium-profile"));
        Process p = new ProcessBuilder(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--hide-scrollbars", "--user-data-dir=" + profile, "--window-size=1100,1600", "--screenshot=" + png,
                page.toUri().toString())
                .redirectErrorStream(true).redirectOutput(tmp.resolve("chromium.log").toFile()).start();
        boolean done = p.waitFor(90, TimeUnit.SECONDS);
        if (!done) {
            p.destroyForcibly();
        }
        assertThat(done).as("chromium finished within 90 s; log: %s", tmp.resolve("chromium.log")).isTrue();
        assertThat(png).as("screenshot; chromium log:%n%s", Files.readString(tmp.resolve("chromium.log"))).exists();

        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image.getWidth()).isEqualTo(1100);
        Set<Integer> colours = new HashSet<>();
        int accent = 0;
        for (int y = 0; y < image.getHeight(); y += 2) {
            for (int x = 0; x < image.getWidth(); x += 2) {
                int rgb = image.getRGB(x, y) & 0xFFFFFF;
                colours.add(rgb);
                int r = rgb >> 16 & 0xFF;
                int g = rgb >> 8 & 0xFF;
                int b = rgb & 0xFF;
                if (b > 180 && r < 120 && g < 160) {
                    accent++; // the blue of chart lines, points and node borders
                }
            }
        }
        assertThat(colours).as("distinct colours in the screenshot").hasSizeGreaterThan(20);
        assertThat(accent).as("pixels in the charts' and nodes' blue").isGreaterThan(200);
    }
}
