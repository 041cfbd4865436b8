package io.github.kdedup.tck;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/**
 * A real Redis 6.2 {@code redis-server} for tests of the pre-7.0 code paths: the Linux x86-64 binary
 * that {@code com.github.codemonstur:embedded-redis} ships inside its jar (it reports version
 * 6.2.11), copied once per JVM to a temporary executable file. The test module must have that jar
 * on its test class path. Thread-safe.
 *
 * <pre>{@code
 * try (RedisServerProcess server = RedisServerProcess.startBinary(Redis62Binary.path())) { ... }
 * }</pre>
 */
public final class Redis62Binary {

    /** The resource name of the binary inside the embedded-redis jar. */
    public static final String RESOURCE = "/redis-server-6.2.6-v5-linux-amd64";

    private static Path extracted;

    private Redis62Binary() {}

    /**
     * Returns the path of the executable, extracting it on first use.
     *
     * @return the absolute path, as text for {@link RedisServerProcess#startBinary}
     * @throws IllegalStateException saying what to add when the jar is missing or the platform is not
     *     Linux x86-64
     */
    public static synchronized String path() {
        if (extracted != null) {
            return extracted.toString();
        }
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            throw new IllegalStateException(
                    "the Redis 6.2 tests run the Linux x86-64 binary of embedded-redis; this is " + os + "/" + arch
                            + ". Run them on Linux x86-64 (as CI does).");
        }
        try (InputStream in = Redis62Binary.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("no " + RESOURCE + " on the class path: add the test dependency "
                        + "com.github.codemonstur:embedded-redis (version in the root pom) to this module");
            }
            Path file = Files.createTempFile("kdedup-redis-6.2-", "");
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            if (!file.toFile().setExecutable(true)) {
                throw new IllegalStateException("cannot make " + file + " executable");
            }
            file.toFile().deleteOnExit();
            extracted = file;
            return file.toString();
        } catch (IOException e) {
            throw new IllegalStateException("cannot extract " + RESOURCE + " to a temporary file", e);
        }
    }
}
