package io.streamtune.cli.faults;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;

import io.streamtune.common.serde.Json;

/**
 * Reads a service's {@code GET /health} document (JSON, served with HTTP 200 when UP and 503 otherwise:
 * both carry the document). A service that does not answer yet, or whose answer is not JSON, reads as empty.
 *
 * <pre>{@code
 * HealthProbe scorer = new HealthProbe(9401);
 * boolean running = scorer.read().map(h -> "RUNNING".equals(h.path("streams").asText())).orElse(false);
 * }</pre>
 */
public final class HealthProbe {
    /** Generous: on a loaded machine a healthy service can take seconds to answer. */
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final int port;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    private final HttpRequest request;

    public HealthProbe(int port) {
        this.port = port;
        this.request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/health"))
                .timeout(TIMEOUT)
                .GET()
                .build();
    }

    public int port() {
        return port;
    }

    /** The health document, or empty when the service does not answer (not started, restarting, gone). */
    public Optional<JsonNode> read() throws InterruptedException {
        try {
            HttpResponse<byte[]> r = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
            return Optional.of(Json.mapper().readTree(r.body()));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** {@code status} of the document (UP, DEGRADED, DOWN, STARTING), or {@code NO ANSWER}. */
    public static String status(Optional<JsonNode> health) {
        return health.map(h -> h.path("status").asText("?")).orElse("NO ANSWER");
    }

    /** The status with its reasons, shortened, e.g. {@code DEGRADED: cannot reach Kafka at localhost:N since T}. */
    public static String summary(Optional<JsonNode> health) {
        if (health.isEmpty()) {
            return "NO ANSWER";
        }
        JsonNode h = health.get();
        StringBuilder s = new StringBuilder(h.path("status").asText("?"));
        // Every service's document gives "reasons" as a list.
        for (JsonNode r : h.path("reasons")) {
            s.append(s.indexOf(":") < 0 ? ": " : "; ").append(shorten(r.asText()));
        }
        return s.toString();
    }

    /**
     * A reason without the parts that change from one poll to the next (timestamps, counts), so that
     * distinct states can be collected: digits runs become {@code N}, and it is cut at 160 characters.
     */
    static String shorten(String reason) {
        String s = reason.replaceAll("\\d{4}-\\d{2}-\\d{2}T[0-9:.]+Z", "T").replaceAll("\\d+", "N");
        return s.length() <= 160 ? s : s.substring(0, 157) + "...";
    }
}
