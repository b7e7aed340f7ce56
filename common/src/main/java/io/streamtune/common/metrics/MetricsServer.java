package io.streamtune.common.metrics;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import io.streamtune.common.serde.Json;

/**
 * Serves {@code GET /metrics} (Prometheus text format) and {@code GET /health} (JSON; HTTP 200
 * when its {@code status} is {@code UP}, 503 otherwise) for one service.
 *
 * <pre>{@code
 * PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
 * try (MetricsServer http = MetricsServer.start(9400, "trainer.metricsPort", registry, () -> Map.of("status", "UP"))) { ... }
 * }</pre>
 *
 * <p>Port 0 picks a free port ({@link #port()} tells which); a negative port serves nothing.
 */
public final class MetricsServer implements AutoCloseable {
    private final HttpServer server;

    private MetricsServer(HttpServer server) {
        this.server = server;
    }

    public static MetricsServer start(
            int port, String portSetting, PrometheusMeterRegistry registry, Supplier<Map<String, Object>> health) {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(port), 0);
            server.setExecutor(Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "metrics-http");
                t.setDaemon(true);
                return t;
            }));
            server.createContext(
                    "/metrics", ex -> respond(ex, 200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape()));
            server.createContext("/health", ex -> {
                Map<String, Object> h = health.get();
                respond(ex, "UP".equals(h.get("status")) ? 200 : 503, "application/json", Json.writeString(h));
            });
            server.start();
            return new MetricsServer(server);
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot serve metrics on port " + port
                            + " (" + e.getMessage() + "): set " + portSetting
                            + " or --metrics-port to a free port, 0 for any free port, or -1 to serve nothing",
                    e);
        }
    }

    private static void respond(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
