package io.github.kdedup.tck;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A private {@code redis-server} that speaks only TLS, on a free loopback port, with a CA and
 * certificates made for it by {@code openssl} (and a PKCS12 trust store by the JDK's {@code
 * keytool}) in its temporary directory. The server certificate names only {@code localhost}, so a
 * connection to {@code 127.0.0.1} fails host name verification. A second, unrelated CA is made for
 * "wrong CA" tests. Needs {@code redis-server} built with TLS (Debian's is), {@code openssl} and
 * {@code keytool}. {@link #close()} kills the server and deletes the directory. Not thread-safe.
 */
public final class RedisTlsServer implements AutoCloseable {

    /** The password of {@link #trustStore()} and {@link #clientKeyStore()}. */
    public static final String STORE_PASSWORD = "changeit";

    private final Path dir;
    private final int port;
    private final Process process;

    private RedisTlsServer(Path dir, int port, Process process) {
        this.dir = dir;
        this.port = port;
        this.process = process;
    }

    /**
     * Makes the certificates and starts the server.
     *
     * @param requireClientCertificate whether the server demands a client certificate (mutual TLS)
     * @return the running server
     */
    public static RedisTlsServer start(boolean requireClientCertificate) {
        Path dir;
        try {
            dir = Files.createTempDirectory("kdedup-redis-tls-");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        try {
            makeCertificates(dir);
            int port = RedisServerProcess.freePort();
            List<String> command = new ArrayList<>(List.of(
                    "redis-server",
                    "--port",
                    "0",
                    "--tls-port",
                    Integer.toString(port),
                    "--bind",
                    "127.0.0.1",
                    "-::1",
                    "--tls-cert-file",
                    dir.resolve("server.crt").toString(),
                    "--tls-key-file",
                    dir.resolve("server.key").toString(),
                    "--tls-ca-cert-file",
                    dir.resolve("ca.crt").toString(),
                    "--tls-auth-clients",
                    requireClientCertificate ? "yes" : "no",
                    "--dir",
                    dir.toString(),
                    "--save",
                    "",
                    "--logfile",
                    dir.resolve("redis.log").toString()));
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("stdout.log").toFile())
                    .start();
            RedisServerProcess.awaitListening(port, process, Duration.ofSeconds(10));
            return new RedisTlsServer(dir, port, process);
        } catch (IOException | RuntimeException e) {
            RedisServerProcess.deleteTree(dir);
            throw new IllegalStateException(
                    "cannot start a TLS redis-server: are redis-server (built with TLS), "
                            + "openssl and keytool on the PATH?",
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void makeCertificates(Path dir) throws IOException, InterruptedException {
        for (String ca : List.of("ca", "other-ca")) {
            run(
                    dir,
                    "openssl",
                    "req",
                    "-x509",
                    "-newkey",
                    "rsa:2048",
                    "-nodes",
                    "-days",
                    "2",
                    "-subj",
                    "/CN=kdedup test " + ca,
                    "-keyout",
                    ca + ".key",
                    "-out",
                    ca + ".crt");
        }
        Files.writeString(dir.resolve("server.ext"), "subjectAltName=DNS:localhost\n");
        Files.writeString(dir.resolve("client.ext"), "extendedKeyUsage=clientAuth\n");
        for (String leaf : List.of("server", "client")) {
            run(
                    dir,
                    "openssl",
                    "req",
                    "-newkey",
                    "rsa:2048",
                    "-nodes",
                    "-subj",
                    "/CN=" + leaf,
                    "-keyout",
                    leaf + ".key",
                    "-out",
                    leaf + ".csr");
            run(
                    dir,
                    "openssl",
                    "x509",
                    "-req",
                    "-in",
                    leaf + ".csr",
                    "-CA",
                    "ca.crt",
                    "-CAkey",
                    "ca.key",
                    "-CAcreateserial",
                    "-days",
                    "2",
                    "-extfile",
                    leaf + ".ext",
                    "-out",
                    leaf + ".crt");
        }
        run(
                dir,
                "openssl",
                "pkcs12",
                "-export",
                "-in",
                "client.crt",
                "-inkey",
                "client.key",
                "-out",
                "client.p12",
                "-passout",
                "pass:" + STORE_PASSWORD);
        run(
                dir,
                "keytool",
                "-importcert",
                "-noprompt",
                "-alias",
                "ca",
                "-file",
                "ca.crt",
                "-keystore",
                "trust.p12",
                "-storetype",
                "PKCS12",
                "-storepass",
                STORE_PASSWORD);
    }

    private static void run(Path dir, String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed:\n" + output);
        }
    }

    /** Returns the TLS port. */
    public int port() {
        return port;
    }

    /** Returns the PEM certificate of the CA that signed the server and client certificates. */
    public Path caCert() {
        return dir.resolve("ca.crt");
    }

    /**
     * Returns the server's PEM certificate (for the name {@code localhost}), signed by {@link
     * #caCert()}: for other TLS servers of a test, such as sentinels.
     */
    public Path serverCert() {
        return dir.resolve("server.crt");
    }

    /** Returns the server's unencrypted PEM key, the pair of {@link #serverCert()}. */
    public Path serverKey() {
        return dir.resolve("server.key");
    }

    /** Returns the PEM certificate of a CA that signed nothing here. */
    public Path otherCaCert() {
        return dir.resolve("other-ca.crt");
    }

    /** Returns a PKCS12 trust store holding {@link #caCert()}, password {@value #STORE_PASSWORD}. */
    public Path trustStore() {
        return dir.resolve("trust.p12");
    }

    /** Returns the PEM client certificate, signed by {@link #caCert()}. */
    public Path clientCert() {
        return dir.resolve("client.crt");
    }

    /** Returns the client's unencrypted PKCS#8 PEM key. */
    public Path clientKey() {
        return dir.resolve("client.key");
    }

    /** Returns a PKCS12 key store with the client key and certificate, password {@value #STORE_PASSWORD}. */
    public Path clientKeyStore() {
        return dir.resolve("client.p12");
    }

    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        RedisServerProcess.deleteTree(dir);
    }
}
