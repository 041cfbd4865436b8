package io.github.kdedup;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Keeps the README honest: every line of its Java snippets must be a line of a test that runs it,
 * between that test's {@code // README:begin} and {@code // README:end} markers.
 */
class ReadmeSnippetsTest {

    private static final Path ROOT = Path.of("..");
    private static final List<Path> TESTED = List.of(
            ROOT.resolve("kafka-tests/src/test/java/io/github/kdedup/kafka/ReadmeExamplesTest.java"),
            ROOT.resolve("store-memory/src/test/java/io/github/kdedup/memory/ReadmeStoreApiTest.java"),
            // run end to end by StreamsDedupAppTest
            ROOT.resolve("examples/src/main/java/io/github/kdedup/examples/streams/StreamsDedupApp.java"));

    @Test
    @DisplayName("every line of the README's Java snippets is run by a README test")
    void shouldOnlyShowTestedCode() throws IOException {
        Set<String> tested = new HashSet<>();
        for (Path file : TESTED) {
            boolean inside = false;
            for (String line : Files.readAllLines(file)) {
                String trimmed = line.strip();
                if (trimmed.startsWith("// README:begin")) {
                    inside = true;
                } else if (trimmed.startsWith("// README:end")) {
                    inside = false;
                } else if (inside) {
                    tested.add(trimmed);
                }
            }
        }
        assertThat(tested).as("marked lines in " + TESTED).isNotEmpty();

        List<String> untested = new ArrayList<>();
        int snippetLines = 0;
        boolean inJava = false;
        for (String line : Files.readAllLines(ROOT.resolve("README.md"))) {
            String trimmed = line.strip();
            if (trimmed.equals("```java")) {
                inJava = true;
            } else if (trimmed.startsWith("```")) {
                inJava = false;
            } else if (inJava && !trimmed.isEmpty() && !trimmed.equals("}")) {
                snippetLines++;
                if (!tested.contains(trimmed)) {
                    untested.add(trimmed);
                }
            }
        }
        assertThat(snippetLines).as("Java lines in the README").isGreaterThan(20);
        assertThat(untested).as("README lines that no test runs").isEmpty();
    }

    @Test
    @DisplayName("the DDL docs/jdbc.md prints is the DDL the JDBC store ships")
    void shouldPrintShippedDdl() throws IOException {
        Set<String> shipped = new HashSet<>();
        for (String dialect : List.of("postgresql", "mariadb")) {
            for (String line : Files.readAllLines(
                    ROOT.resolve("store-jdbc/src/main/resources/io/github/kdedup/jdbc/" + dialect + ".sql"))) {
                String code = line.replaceAll("\\s*--.*$", "").strip();
                if (!code.isEmpty()) {
                    shipped.add(code);
                }
            }
        }
        // The schema blocks are the SQL blocks that create a table; others illustrate a statement.
        List<String> printed = new ArrayList<>();
        List<String> block = null;
        for (String line : Files.readAllLines(ROOT.resolve("docs/jdbc.md"))) {
            String trimmed = line.strip();
            if (trimmed.equals("```sql")) {
                block = new ArrayList<>();
            } else if (trimmed.startsWith("```") && block != null) {
                if (!block.isEmpty() && block.get(0).startsWith("CREATE TABLE")) {
                    printed.addAll(block);
                }
                block = null;
            } else if (block != null && !trimmed.isEmpty()) {
                block.add(trimmed);
            }
        }
        assertThat(printed).as("SQL lines in docs/jdbc.md").hasSizeGreaterThan(20);
        assertThat(shipped).containsAll(printed);
        assertThat(printed).containsAll(shipped);
    }
}
