package io.github.kdedup.benchmarks;

import io.github.kdedup.benchmarks.Target.Backend;
import io.github.kdedup.benchmarks.Target.Role;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Draws keys per second without duplicates as horizontal bars on a log scale, one group per
 * backend: the store's cycle at batch 500 and 1, its claim, the raw claim, and each peer. Plain SVG,
 * so that the docs need no charting library. Stateless.
 */
final class Chart {

    private static final int LEFT = 330;
    private static final int WIDTH = 560;
    private static final int ROW = 18;

    private Chart() {}

    /** One bar: its label, its score key and its colour. */
    private record Bar(String label, String key, String colour) {}

    /**
     * Returns the SVG document of the measured scores; a bar that was not measured is left out.
     *
     * @param profile the profile's name, for the title
     * @param scores the scores by key, as {@link Summary#collect} makes them
     * @return the document
     */
    static String svg(String profile, Map<String, Summary.Score> scores) {
        List<Object> rows = new ArrayList<>(); // a Backend heading or a Bar
        double max = 10;
        for (Backend backend : Backend.values()) {
            List<Bar> bars = new ArrayList<>();
            Target store = Target.the(Role.STORE, backend);
            bars.add(new Bar("kdedup cycle, batch 500", key(store, "cycle", Summary.BATCH), "#08519c"));
            bars.add(new Bar("kdedup cycle, batch 1", key(store, "cycle", 1), "#4292c6"));
            bars.add(new Bar("kdedup claim, batch 500", key(store, "claim", Summary.BATCH), "#9ecae1"));
            Target raw = Target.the(Role.RAW, backend);
            bars.add(new Bar(raw.description(), key(raw, "claim", Summary.BATCH), "#999999"));
            for (Target peer : Target.of(Role.PEER, backend)) {
                bars.add(new Bar(peer.description(), key(peer, "cycle", Summary.PEER_BATCH), "#e6550d"));
            }
            bars.removeIf(bar -> !scores.containsKey(bar.key()));
            if (!bars.isEmpty()) {
                rows.add(backend);
                rows.addAll(bars);
                for (Bar bar : bars) {
                    max = Math.max(max, scores.get(bar.key()).perSecond());
                }
            }
        }
        int decades = Math.max(1, (int) Math.ceil(Math.log10(max)) - 2);
        double bottom = Math.pow(10, Math.ceil(Math.log10(max)) - decades);
        int height = 60 + rows.size() * ROW + 30;
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(
                Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" "
                        + "font-size=\"11\">%n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>%n"
                        + "<text x=\"10\" y=\"22\" font-size=\"14\">kdedup: keys per second (%s profile, no "
                        + "duplicates, log scale; peers claim one key per call)</text>%n",
                LEFT + WIDTH + 90,
                height,
                escape(profile)));
        for (int d = 0; d <= decades; d++) {
            double x = LEFT + WIDTH * d / (double) decades;
            svg.append(String.format(
                    Locale.ROOT,
                    "<line x1=\"%.1f\" y1=\"40\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>"
                            + "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%,.0f</text>%n",
                    x,
                    x,
                    height - 25,
                    x,
                    height - 10,
                    bottom * Math.pow(10, d)));
        }
        int y = 50;
        for (Object row : rows) {
            if (row instanceof Backend backend) {
                svg.append(String.format(
                        Locale.ROOT,
                        "<text x=\"10\" y=\"%d\" font-weight=\"bold\">%s</text>%n",
                        y + 12,
                        backend.key()));
            } else if (row instanceof Bar bar) {
                double perSecond = scores.get(bar.key()).perSecond();
                double fraction = Math.log10(Math.max(perSecond, 1) / bottom) / decades;
                double length = WIDTH * Math.max(0, Math.min(1, fraction));
                svg.append(String.format(
                        Locale.ROOT,
                        "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>"
                                + "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\">"
                                + "<title>%s: %,.0f/s</title></rect>"
                                + "<text x=\"%.1f\" y=\"%d\">%,.0f</text>%n",
                        LEFT - 6,
                        y + 12,
                        escape(bar.label()),
                        LEFT,
                        y + 2,
                        length,
                        ROW - 4,
                        bar.colour(),
                        escape(bar.key()),
                        perSecond,
                        LEFT + length + 4,
                        y + 12,
                        perSecond));
            }
            y += ROW;
        }
        return svg.append("</svg>\n").toString();
    }

    private static String key(Target target, String method, int batchSize) {
        return Summary.claimKey(target, method, batchSize, "0");
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
