package io.github.kdedup.examples.demo;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * Serves a Micrometer registry in Prometheus text format at {@code http://127.0.0.1:PORT/metrics},
 * on loopback only, so that a local Prometheus (and the Grafana dashboard in {@code docs/grafana})
 * sees the demo's meters live. Thread-safe; close it to stop the server.
 */
public final class MetricsEndpoint implements AutoCloseable {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final HttpServer server;

    private MetricsEndpoint(HttpServer server) {
        this.server = server;
    }

    /**
     * Starts the endpoint.
     *
     * @param port the loopback port, or 0 for any free one
     * @return the running endpoint
     * @throws IllegalArgumentException when the port is outside 0 to 65535
     * @throws UncheckedIOException when the port cannot be bound, such as when it is taken
     */
    public static MetricsEndpoint start(int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("--metrics-port must be 0 to 65535, got " + port);
        }
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot serve metrics on 127.0.0.1:" + port + " (" + e.getMessage()
                            + "); pick another --metrics-port, or 0 for any free port",
                    e);
        }
        MetricsEndpoint endpoint = new MetricsEndpoint(server);
        server.createContext("/metrics", endpoint::serve);
        server.start();
        return endpoint;
    }

    /** Returns the registry to give to kdedup ({@code DedupConfig.Builder#metrics}). */
    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** Returns the address Prometheus scrapes, such as {@code http://127.0.0.1:9400/metrics}. */
    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/metrics";
    }

    private void serve(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        registry.close();
    }
}
