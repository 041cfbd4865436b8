package io.github.kdedup.spring.boot;

import io.github.kdedup.kafka.DedupSetting;
import io.github.kdedup.kafka.DedupSettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes {@code META-INF/spring-configuration-metadata.json} from core's setting declarations ({@link
 * DedupSettings#ALL}) and the starter's own ({@link KdedupSettings#SPRING_SETTINGS}), so that IDEs
 * complete and document every {@code kdedup.*} property from the one place each is declared. Run by
 * the build ({@code exec-maven-plugin}, phase {@code process-classes}); a build tool, not API.
 * Stateless.
 */
public final class ConfigurationMetadataWriter {

    private ConfigurationMetadataWriter() {}

    /**
     * Writes the file.
     *
     * @param args one argument: the output directory of the classes, such as {@code target/classes}
     * @throws IOException when the file cannot be written
     */
    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            throw new IllegalArgumentException("usage: ConfigurationMetadataWriter <classes directory>");
        }
        Path file = Path.of(args[0], "META-INF", "spring-configuration-metadata.json");
        Files.createDirectories(file.getParent());
        Files.writeString(file, json(), StandardCharsets.UTF_8);
    }

    /** Returns the metadata as JSON. */
    static String json() {
        List<String> properties = new ArrayList<>();
        List<String> hints = new ArrayList<>();
        for (DedupSetting<?> s : DedupSettings.ALL) {
            // Durations stay text for core's parser (PT5M), so IDEs do not offer Boot's 5m form.
            String type = s.type() == Boolean.class ? "java.lang.Boolean" : "java.lang.String";
            Object defaultValue = s.defaultText() == null
                    ? null
                    : s.type() == Boolean.class ? (Object) Boolean.valueOf(s.defaultText()) : s.defaultText();
            properties.add(property(s.key(), type, s.description(), defaultValue));
            if (!s.allowedValues().isEmpty()) {
                List<String> values = new ArrayList<>();
                for (String v : s.allowedValues()) {
                    values.add("{\"value\": " + quote(v) + "}");
                }
                hints.add("    {\"name\": " + quote(s.key()) + ", \"values\": [" + String.join(", ", values) + "]}");
            }
        }
        for (KdedupSettings.SpringSetting s : KdedupSettings.SPRING_SETTINGS) {
            properties.add(property(s.key(), s.type().getName(), s.description(), s.defaultValue()));
        }
        return "{\n  \"groups\": [\n    {\"name\": \"kdedup\", \"description\": "
                + quote("kdedup: each Kafka event processed once (io.github.kdedup:kdedup-spring-boot-starter).")
                + "}\n  ],\n  \"properties\": [\n" + String.join(",\n", properties) + "\n  ],\n  \"hints\": [\n"
                + String.join(",\n", hints) + "\n  ]\n}\n";
    }

    private static String property(String name, String type, String description, Object defaultValue) {
        return "    {\"name\": " + quote(name) + ", \"type\": " + quote(type) + ", \"description\": "
                + quote(description)
                + (defaultValue == null
                        ? ""
                        : ", \"defaultValue\": "
                                + (defaultValue instanceof Boolean
                                        ? defaultValue.toString()
                                        : quote(defaultValue.toString())))
                + "}";
    }

    private static String quote(String text) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
