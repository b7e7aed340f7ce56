package io.streamtune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import io.streamtune.common.config.StreamtuneConfig;
import io.streamtune.testing.SharedKafka;

/**
 * No Docker engine runs here, so docker-compose is checked statically: the files parse, and every
 * service's image or build, Dockerfile stage, entry point, port, volume and dependency agrees with
 * the others and with the code (Prometheus scrapes the ports the services serve metrics on).
 */
class DeploymentFilesTest {
    private static final Path ROOT = Path.of("..");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private static JsonNode yaml(String file) throws IOException {
        // "!reset" is a compose merge tag; the YAML reader does not need to understand it.
        return YAML.readTree(Files.readString(ROOT.resolve(file)).replace("!reset ", ""));
    }

    @Test
    void shouldDeclareEveryServiceWithABuildableImage() throws IOException {
        JsonNode services = yaml("docker-compose.yml").get("services");
        Set<String> names = new TreeSet<>();
        services.fieldNames().forEachRemaining(names::add);
        assertEquals(new TreeSet<>(List.of("kafka", "topic-init", "trainer", "scoring", "monitor", "prometheus", "grafana")), names);
        for (String name : names) {
            JsonNode s = services.get(name);
            assertTrue(s.has("image") || s.has("build"), name + " needs an image or a build");
            if (s.has("build")) {
                JsonNode build = s.get("build");
                Path context = ROOT.resolve(build.get("context").asText());
                assertTrue(Files.isDirectory(context), name + ": build context " + context + " is missing");
                Path dockerfile = context.resolve(build.get("dockerfile").asText());
                assertTrue(Files.isRegularFile(dockerfile), name + ": " + dockerfile + " is missing");
                String text = Files.readString(dockerfile);
                assertTrue(text.contains(" AS build"), name + ": Dockerfile must be multi-stage");
                if (build.has("target")) {
                    assertTrue(text.contains(" AS " + build.get("target").asText() + "\n"), name + ": no stage " + build.get("target"));
                }
                assertEntryPointsExist(name, text);
            }
        }
    }

    private static void assertEntryPointsExist(String service, String dockerfile) {
        Matcher m = Pattern.compile("\"(io\\.streamtune\\.[A-Za-z.]+)\"").matcher(dockerfile);
        int found = 0;
        while (m.find()) {
            found++;
            String cls = m.group(1);
            try {
                Class<?> c = Class.forName(cls);
                c.getMethod("main", String[].class);
            } catch (ReflectiveOperationException e) {
                throw new AssertionError(service + ": entry point " + cls + " does not exist or has no main", e);
            }
        }
        assertTrue(found > 0, service + ": Dockerfile names no entry point");
    }

    @Test
    void shouldOnlyDependOnDeclaredServicesAndOnlyWaitForHealthOfCheckedOnes() throws IOException {
        JsonNode services = yaml("docker-compose.yml").get("services");
        services.fields().forEachRemaining(e -> {
            JsonNode deps = e.getValue().path("depends_on");
            List<String> depNames = new ArrayList<>();
            if (deps.isArray()) {
                deps.forEach(d -> depNames.add(d.asText()));
            } else {
                deps.fields().forEachRemaining(d -> {
                    depNames.add(d.getKey());
                    String condition = d.getValue().path("condition").asText();
                    if (condition.equals("service_healthy")) {
                        assertTrue(services.get(d.getKey()).has("healthcheck"), e.getKey() + " waits for the health of " + d.getKey() + ", which has no healthcheck");
                    }
                    if (condition.equals("service_completed_successfully")) {
                        assertEquals("no", services.get(d.getKey()).path("restart").asText(), d.getKey() + " is a one-shot job");
                    }
                });
            }
            depNames.forEach(d -> assertTrue(services.has(d), e.getKey() + " depends on unknown service " + d));
        });
    }

    @Test
    void shouldPublishValidPortsAndMountExistingFiles() throws IOException {
        JsonNode services = yaml("docker-compose.yml").get("services");
        Set<String> hostPorts = new HashSet<>();
        services.fields().forEachRemaining(e -> {
            e.getValue().path("ports").forEach(p -> {
                String[] parts = p.asText().split(":");
                assertEquals(2, parts.length, e.getKey() + ": port " + p + " must be HOST:CONTAINER");
                int host = Integer.parseInt(parts[0]);
                Integer.parseInt(parts[1]);
                assertTrue(hostPorts.add(parts[0]), "host port " + host + " published twice");
            });
            e.getValue().path("volumes").forEach(v -> {
                String src = v.asText().split(":")[0];
                if (src.startsWith("./")) {
                    assertTrue(Files.exists(ROOT.resolve(src)), e.getKey() + " mounts missing " + src);
                }
            });
        });
        assertFalse(services.get("scoring").has("ports"), "scoring is scaled: publishing a host port would collide");
        assertTrue(services.get("scoring").path("deploy").path("replicas").asInt() >= 2, "scoring runs scalable replicas");
        assertEquals("nvidia", services.get("trainer").at("/deploy/resources/reservations/devices/0/driver").asText());
    }

    @Test
    void shouldScrapeTheMetricsPortEachServiceServes() throws IOException {
        JsonNode services = yaml("docker-compose.yml").get("services");
        JsonNode prometheus = yaml("deploy/prometheus/prometheus.yml");
        Map<String, String> portByService = Map.of("trainer", "9400", "scoring", "9401", "monitor", "9402");
        prometheus.get("scrape_configs").forEach(job -> {
            job.path("static_configs").forEach(sc -> sc.get("targets").forEach(t -> {
                String[] hp = t.asText().split(":");
                assertTrue(services.has(hp[0]), "Prometheus scrapes unknown service " + hp[0]);
                assertEquals(portByService.get(hp[0]), hp[1], "metrics port of " + hp[0]);
            }));
            job.path("dns_sd_configs").forEach(sd -> sd.get("names").forEach(n -> {
                assertTrue(services.has(n.asText()), "Prometheus resolves unknown service " + n);
                assertEquals(portByService.get(n.asText()), sd.get("port").asText(), "metrics port of " + n);
            }));
        });
        for (String service : portByService.keySet()) {
            String dockerfile = Files.readString(ROOT.resolve(services.get(service).at("/build/dockerfile").asText()));
            assertTrue(dockerfile.contains("\"--metrics-port\", \"" + portByService.get(service) + "\""),
                    service + " must serve metrics on " + portByService.get(service));
        }
    }

    @Test
    void shouldRunTheSameKafkaImageAsTheTestsAndMountAValidConfig() throws Exception {
        JsonNode services = yaml("docker-compose.yml").get("services");
        assertEquals(SharedKafka.KAFKA_IMAGE, services.get("kafka").get("image").asText());
        assertNotNull(StreamtuneConfig.load(ROOT.resolve("config/streamtune.yaml"), Map.of(), Map.of()));
        JsonNode cpu = yaml("docker-compose.cpu.yml").get("services").get("trainer");
        String trainerDockerfile = Files.readString(ROOT.resolve("trainer-service/Dockerfile"));
        assertTrue(trainerDockerfile.contains(" AS " + cpu.at("/build/target").asText() + "\n"), "CPU override names a missing stage");
    }

    @Test
    void shouldProvisionGrafanaWithAPrometheusDatasourceAndAParsableDashboard() throws IOException {
        JsonNode ds = yaml("deploy/grafana/provisioning/datasources/prometheus.yml");
        assertEquals("http://prometheus:9090", ds.at("/datasources/0/url").asText());
        JsonNode dashboards = yaml("deploy/grafana/provisioning/dashboards/streamtune.yml");
        assertEquals("/var/lib/grafana/dashboards", dashboards.at("/providers/0/options/path").asText());
        try (var files = Files.list(ROOT.resolve("deploy/grafana/dashboards"))) {
            List<Path> json = files.filter(f -> f.toString().endsWith(".json")).toList();
            assertFalse(json.isEmpty(), "no dashboard to provision");
            for (Path f : json) {
                JsonNode d = new ObjectMapper().readTree(f.toFile());
                assertTrue(d.path("panels").size() >= 5, f + " has too few panels");
            }
        }
    }
}
