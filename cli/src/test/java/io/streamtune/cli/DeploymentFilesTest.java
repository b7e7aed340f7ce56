package io.streamtune.cli;

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

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.Test;

import io.streamtune.broker.EmbeddedKafkaBroker;
import io.streamtune.common.config.StreamtuneConfig;
import io.streamtune.testing.SharedKafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
        assertEquals(
                new TreeSet<>(List.of("kafka", "topic-init", "trainer", "scoring", "monitor", "prometheus", "grafana")),
                names);
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
                    assertTrue(
                            text.contains(" AS " + build.get("target").asText() + "\n"),
                            name + ": no stage " + build.get("target"));
                }
                assertEntryPointsExist(name, text);
                if (!name.equals("topic-init")) {
                    String module = build.get("dockerfile").asText().split("/")[0];
                    assertTrue(
                            text.contains("cp " + module + "/target/lib/*.jar " + module + "/target/" + module
                                    + "-*.jar /out/lib/"),
                            name + ": the image's /app/lib must be target/lib + the module jar,"
                                    + " what ImageEquivalentRunIT starts");
                }
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
                        assertTrue(
                                services.get(d.getKey()).has("healthcheck"),
                                e.getKey() + " waits for the health of " + d.getKey() + ", which has no healthcheck");
                    }
                    if (condition.equals("service_completed_successfully")) {
                        assertEquals(
                                "no",
                                services.get(d.getKey()).path("restart").asText(),
                                d.getKey() + " is a one-shot job");
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
        assertTrue(
                services.get("scoring").path("deploy").path("replicas").asInt() >= 2, "scoring runs scalable replicas");
        assertEquals(
                "nvidia",
                services.get("trainer")
                        .at("/deploy/resources/reservations/devices/0/driver")
                        .asText());
    }

    @Test
    void shouldScrapeTheMetricsPortEachServiceServes() throws IOException {
        JsonNode services = yaml("docker-compose.yml").get("services");
        JsonNode prometheus = yaml("deploy/prometheus/prometheus.yml");
        Map<String, String> portByService = Map.of("trainer", "9400", "scoring", "9401", "monitor", "9402");
        prometheus.get("scrape_configs").forEach(job -> {
            job.path("static_configs")
                    .forEach(sc -> sc.get("targets").forEach(t -> {
                        String[] hp = t.asText().split(":");
                        assertTrue(services.has(hp[0]), "Prometheus scrapes unknown service " + hp[0]);
                        assertEquals(portByService.get(hp[0]), hp[1], "metrics port of " + hp[0]);
                    }));
            job.path("dns_sd_configs")
                    .forEach(sd -> sd.get("names").forEach(n -> {
                        assertTrue(services.has(n.asText()), "Prometheus resolves unknown service " + n);
                        assertEquals(
                                portByService.get(n.asText()), sd.get("port").asText(), "metrics port of " + n);
                    }));
        });
        for (String service : portByService.keySet()) {
            String dockerfile = Files.readString(
                    ROOT.resolve(services.get(service).at("/build/dockerfile").asText()));
            assertTrue(
                    dockerfile.contains("\"--metrics-port\", \"" + portByService.get(service) + "\""),
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
        assertTrue(
                trainerDockerfile.contains(" AS " + cpu.at("/build/target").asText() + "\n"),
                "CPU override names a missing stage");
    }

    /** Where each image writes the data a named volume must keep; an image not listed here may not mount one. */
    private static String writeDir(String service, JsonNode s) {
        String image = s.path("image").asText();
        if (image.startsWith("apache/kafka:")) {
            String logDirs = s.at("/environment/KAFKA_LOG_DIRS").asText();
            assertFalse(
                    logDirs.isEmpty(),
                    service + ": set KAFKA_LOG_DIRS, or the image writes to /tmp/kraft-combined-logs");
            assertFalse(logDirs.contains(","), service + ": one log directory, on the volume");
            // The apache/kafka Dockerfile makes /var/lib/kafka owned by its user (appuser, uid 1000) and
            // group-writable;
            // an empty named volume mounted there starts with that ownership, anywhere else with root's.
            assertTrue(
                    logDirs.startsWith("/var/lib/kafka/"),
                    service
                            + ": KAFKA_LOG_DIRS must lie under /var/lib/kafka, "
                            + "the directory the image's user may write");
            return logDirs;
        }
        if (image.startsWith("prom/prometheus:")) {
            return "/prometheus";
        }
        if (image.startsWith("grafana/grafana:")) {
            return "/var/lib/grafana";
        }
        if (image.startsWith("streamtune/trainer") || image.startsWith("streamtune/scoring")) {
            // artifacts.dir, which the service reads from STREAMTUNE_ARTIFACTS_DIR; the Dockerfile makes it the
            // service user's, or the user could not write an empty named volume mounted there.
            String dir = s.at("/environment/STREAMTUNE_ARTIFACTS_DIR").asText();
            assertFalse(dir.isEmpty(), service + ": set STREAMTUNE_ARTIFACTS_DIR to the mounted artifact store");
            String module = image.startsWith("streamtune/trainer") ? "trainer-service" : "scoring-service";
            try {
                String dockerfile = Files.readString(ROOT.resolve(module + "/Dockerfile"));
                assertTrue(
                        dockerfile.contains("mkdir -p " + dir + " && chown -R streamtune"),
                        module + "/Dockerfile must create " + dir + " owned by the service's user");
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return dir;
        }
        throw new AssertionError(service + " (" + image + ") mounts a named volume: say here where its image writes");
    }

    @Test
    void shouldMountEachNamedVolumeWhereItsImageWrites() throws IOException {
        JsonNode compose = yaml("docker-compose.yml");
        Set<String> declared = new TreeSet<>();
        compose.path("volumes").fieldNames().forEachRemaining(declared::add);
        Set<String> used = new TreeSet<>();
        compose.get("services")
                .fields()
                .forEachRemaining(e -> e.getValue().path("volumes").forEach(v -> {
                    String[] parts = v.asText().split(":");
                    if (parts[0].startsWith(".") || parts[0].startsWith("/")) {
                        return; // a bind mount of a file or directory of the repository
                    }
                    assertTrue(declared.contains(parts[0]), e.getKey() + " mounts undeclared volume " + parts[0]);
                    used.add(parts[0]);
                    String mount = parts[1];
                    String dir = writeDir(e.getKey(), e.getValue());
                    assertTrue(
                            dir.equals(mount)
                                    || Path.of(dir).getParent().toString().equals(mount),
                            e.getKey() + ": volume " + parts[0] + " is mounted at " + mount
                                    + " but the image writes to " + dir);
                    assertEquals(2, parts.length, e.getKey() + ": a data volume must be writable");
                }));
        assertEquals(declared, used, "every declared volume keeps some service's data");
        assertTrue(used.contains("kafka-data"), "Kafka keeps its topics on a volume");
    }

    @Test
    void shouldPinKafkaToTheBuildsVersionWithAFixedClusterId() throws IOException {
        JsonNode kafka = yaml("docker-compose.yml").at("/services/kafka");
        Matcher version = Pattern.compile("<kafka.version>([^<]+)</kafka.version>")
                .matcher(Files.readString(ROOT.resolve("pom.xml")));
        assertTrue(version.find());
        assertEquals(
                "apache/kafka:" + version.group(1),
                kafka.get("image").asText(),
                "compose runs the Kafka the build tests with");
        String clusterId = kafka.at("/environment/CLUSTER_ID").asText();
        assertFalse(
                clusterId.isEmpty(),
                "a fixed CLUSTER_ID: the image formats its log directory with it and reuses it after a restart");
        assertEquals(clusterId, Uuid.fromString(clusterId).toString(), "CLUSTER_ID is a base64 Kafka Uuid");
    }

    @Test
    void shouldAcceptModelRecordsOnTheComposeBrokerAsOnTheEmbeddedOne() throws IOException {
        JsonNode env = yaml("docker-compose.yml").at("/services/kafka/environment");
        int messageMax = env.path("KAFKA_MESSAGE_MAX_BYTES").asInt();
        assertEquals(
                EmbeddedKafkaBroker.MESSAGE_MAX_BYTES,
                messageMax,
                "compose and embedded broker accept the same record batches");
        assertTrue(
                messageMax >= io.streamtune.common.config.Limits.modelWriteBytes()
                        && messageMax == io.streamtune.common.config.Limits.BROKER_MESSAGE_BYTES,
                "a batch with the largest model record fits");
        assertTrue(
                env.path("KAFKA_REPLICA_FETCH_MAX_BYTES").asInt() >= messageMax,
                "replicas fetch what the broker accepts");
    }

    @Test
    void shouldCheckServiceHealthOnHealthAndStartDashboardsAfterHealthyServices() throws IOException {
        JsonNode services = yaml("docker-compose.yml").get("services");
        for (Map.Entry<String, String> e :
                Map.of("trainer", "9400", "scoring", "9401").entrySet()) {
            String probe = String.join(" ", toList(services.get(e.getKey()).at("/healthcheck/test")));
            assertTrue(
                    probe.contains("/dev/tcp/localhost/" + e.getValue()) && probe.contains("GET /health"),
                    e.getKey() + " is checked on its own /health: " + probe);
        }
        for (String dashboard : List.of("prometheus", "grafana")) {
            for (String service : List.of("trainer", "scoring")) {
                assertEquals(
                        "service_healthy",
                        services.at("/" + dashboard + "/depends_on/" + service + "/condition")
                                .asText(),
                        dashboard + " starts after " + service + " is healthy");
            }
        }
    }

    /** user_NAME="password" entries of a server-side PLAIN JAAS configuration. */
    private static Map<String, String> plainUsers(String jaas) {
        Map<String, String> users = new java.util.HashMap<>();
        Matcher m = Pattern.compile("user_([A-Za-z0-9_-]+)=\"([^\"]*)\"").matcher(jaas);
        while (m.find()) {
            users.put(m.group(1), m.group(2));
        }
        return users;
    }

    @Test
    void shouldLogEveryClientOfTheSecureOverrideInAsTheUserItsAclsAreFor() throws IOException {
        JsonNode secure = yaml("docker-compose.secure.yml").get("services");
        JsonNode base = yaml("docker-compose.yml").get("services");
        JsonNode kafka = secure.at("/kafka/environment");
        assertTrue(kafka.path("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP").asText().contains("INTERNAL:SASL_PLAINTEXT"));
        assertEquals(
                "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
                kafka.path("KAFKA_AUTHORIZER_CLASS_NAME").asText());
        assertEquals("false", kafka.path("KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND").asText());
        String brokerJaas = kafka.path("KAFKA_LISTENER_NAME_INTERNAL_PLAIN_SASL_JAAS_CONFIG")
                .asText();
        Map<String, String> users = plainUsers(brokerJaas);
        List<String> superUsers =
                List.of(kafka.path("KAFKA_SUPER_USERS").asText().split(";"));
        Map<String, String> roleOf = Map.of(
                "acl-init",
                "admin",
                "topic-init",
                "cli",
                "trainer",
                "trainer",
                "scoring",
                "scoring",
                "monitor",
                "monitor");
        base.fields()
                .forEachRemaining(service -> assertTrue(
                        !service.getValue().at("/environment").has("STREAMTUNE_BOOTSTRAP_SERVERS")
                                || roleOf.containsKey(service.getKey()),
                        () -> service.getKey() + " talks to Kafka, so the secure override must log it in"));
        Set<String> mechanisms =
                Set.of(kafka.path("KAFKA_SASL_ENABLED_MECHANISMS").asText().split(","));
        roleOf.forEach((service, user) -> {
            JsonNode env = secure.at("/" + service + "/environment");
            assertEquals(
                    "SASL_PLAINTEXT",
                    env.path("STREAMTUNE_KAFKA_SECURITY_PROTOCOL").asText(),
                    service);
            assertTrue(
                    mechanisms.contains(
                            env.path("STREAMTUNE_KAFKA_SASL_MECHANISM").asText()),
                    service + " uses an enabled mechanism");
            String jaas = env.path("STREAMTUNE_KAFKA_SASL_JAAS_CONFIG").asText();
            Matcher login = Pattern.compile("username=\"([^\"]+)\" password=\"([^\"]*)\"")
                    .matcher(jaas);
            assertTrue(login.find(), service + " logs in with a user name and password: " + jaas);
            assertEquals(user, login.group(1), service + " logs in as the user its ACLs are for");
            assertEquals(users.get(user), login.group(2), service + ": the password the broker knows for " + user);
            if (!user.equals("admin")) {
                assertEquals(
                        "User:" + user,
                        AclRules.DEFAULT_PRINCIPALS.get(user),
                        service + ": streamtune acls create grants its ACLs to User:" + user);
            }
            assertTrue(
                    base.has(service) || secure.at("/" + service + "/build").isObject(),
                    service + " has an image to run");
        });
        assertTrue(superUsers.contains("User:admin"), "acl-init creates ACLs as a super user");
        assertEquals(
                List.of("acls", "create", "--config", "/config/streamtune.yaml"),
                toList(secure.at("/acl-init/command")));
        assertEquals(
                "service_completed_successfully",
                secure.at("/topic-init/depends_on/acl-init/condition").asText(),
                "topics are created once the ACLs exist");
        assertEquals("no", secure.at("/acl-init/restart").asText());
        assertTrue(
                String.join(" ", toList(secure.at("/kafka/healthcheck/test"))).contains("--command-config"),
                "the broker's health check logs in too");
    }

    static List<String> toList(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    @Test
    void shouldProvisionGrafanaWithAPrometheusDatasourceAndAParsableDashboard() throws IOException {
        JsonNode ds = yaml("deploy/grafana/provisioning/datasources/prometheus.yml");
        assertEquals("http://prometheus:9090", ds.at("/datasources/0/url").asText());
        JsonNode dashboards = yaml("deploy/grafana/provisioning/dashboards/streamtune.yml");
        assertEquals(
                "/var/lib/grafana/dashboards",
                dashboards.at("/providers/0/options/path").asText());
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
