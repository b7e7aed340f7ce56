package io.streamtune.broker;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single-node KRaft Kafka broker running inside this JVM.
 *
 * <pre>{@code
 * try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(Path.of("data/kafka"), 9092)) {
 *     String bootstrap = broker.bootstrapServers();   // "localhost:9092"
 * }
 * }</pre>
 *
 * <p>The data directory is formatted on first use and reused afterwards, so records survive a
 * restart on the same directory. The cluster id is kept in the directory's meta.properties.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);
    private static final String CONTROLLER_LISTENER = "CONTROLLER";
    /**
     * {@code message.max.bytes}: a batch holding one model record of up to 16 MiB plus the batch's
     * overhead. docker-compose.yml sets the same ({@code KAFKA_MESSAGE_MAX_BYTES}); a test holds them equal.
     */
    public static final int MESSAGE_MAX_BYTES = 16 * 1024 * 1024 + 64 * 1024;

    private final KafkaRaftServer server;
    private final Path dataDir;
    private final int port;
    private final boolean deleteOnClose;
    private final Sasl sasl;
    private volatile boolean closed;

    private EmbeddedKafkaBroker(KafkaRaftServer server, Path dataDir, int port, boolean deleteOnClose, Sasl sasl) {
        this.server = server;
        this.dataDir = dataDir;
        this.port = port;
        this.deleteOnClose = deleteOnClose;
        this.sasl = sasl;
    }

    /**
     * A SASL client listener instead of PLAINTEXT, offering PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512:
     * SASL_PLAINTEXT, or SASL_SSL when a keystore is given ({@link #withTls}). The admin (a PLAIN user,
     * also used between broker and itself) and the {@code plainUsers} are fixed in the broker's JAAS
     * configuration; SCRAM users are added after the start with {@link #addScramUser}. With
     * {@code authorizer} the broker runs Kafka's StandardAuthorizer: nobody but the admin may do
     * anything an ACL does not allow.
     *
     * @param plainUsers user name to password, besides the admin
     * @param keystore   PKCS12 keystore with the broker's key and certificate (for {@code localhost}), or null
     * @param truststore PKCS12 truststore that trusts that certificate (for the broker's own client side), or null
     * @param storePassword password of both stores
     */
    public record Sasl(
            String adminUser,
            String adminPassword,
            Map<String, String> plainUsers,
            boolean authorizer,
            Path keystore,
            Path truststore,
            String storePassword) {
        public static final String PLAIN_LOGIN = "org.apache.kafka.common.security.plain.PlainLoginModule";
        public static final String SCRAM_LOGIN = "org.apache.kafka.common.security.scram.ScramLoginModule";

        public Sasl {
            plainUsers = Map.copyOf(plainUsers);
        }

        /** SASL_PLAINTEXT. */
        public Sasl(String adminUser, String adminPassword, Map<String, String> plainUsers, boolean authorizer) {
            this(adminUser, adminPassword, plainUsers, authorizer, null, null, null);
        }

        /** The same over TLS: SASL_SSL with this keystore, and this truststore for the broker's own connections. */
        public Sasl withTls(Path keystorePath, Path truststorePath, String password) {
            return new Sasl(adminUser, adminPassword, plainUsers, authorizer, keystorePath, truststorePath, password);
        }

        /** {@code SASL_SSL} with a keystore, else {@code SASL_PLAINTEXT}; also the listener's name. */
        public String protocol() {
            return keystore == null ? "SASL_PLAINTEXT" : "SASL_SSL";
        }

        /** {@code sasl.jaas.config} of a client logging in as {@code user} with PLAIN or SCRAM-SHA-*. */
        public static String jaas(String mechanism, String user, String password) {
            return (mechanism.equals("PLAIN") ? PLAIN_LOGIN : SCRAM_LOGIN) + " required username=\"" + user
                    + "\" password=\"" + password + "\";";
        }

        /** Client settings for {@code user} with {@code mechanism} ({@code PLAIN}, {@code SCRAM-SHA-256}, {@code
         * SCRAM-SHA-512}). */
        public static Map<String, String> clientSettings(String mechanism, String user, String password) {
            return Map.of(
                    "security.protocol",
                    "SASL_PLAINTEXT",
                    "sasl.mechanism",
                    mechanism,
                    "sasl.jaas.config",
                    jaas(mechanism, user, password));
        }

        /** Client settings of {@code user} on this listener: SASL, and the truststore when it is TLS. */
        public Map<String, String> clientSettingsFor(String mechanism, String user, String password) {
            Map<String, String> p = new java.util.LinkedHashMap<>(clientSettings(mechanism, user, password));
            p.put("security.protocol", protocol());
            if (truststore != null) {
                p.put("ssl.truststore.location", truststore.toString());
                p.put("ssl.truststore.password", storePassword);
                p.put("ssl.truststore.type", "PKCS12");
            }
            return p;
        }

        Map<String, String> serverProperties(int port, int controllerPort) {
            String listener = protocol();
            String prefix = "listener.name." + listener.toLowerCase(java.util.Locale.ROOT) + ".";
            Map<String, String> p = new java.util.LinkedHashMap<>();
            p.put(
                    "listeners",
                    listener + "://localhost:" + port + "," + CONTROLLER_LISTENER + "://localhost:" + controllerPort);
            p.put("advertised.listeners", listener + "://localhost:" + port);
            p.put(
                    "listener.security.protocol.map",
                    listener + ":" + listener + "," + CONTROLLER_LISTENER + ":PLAINTEXT");
            p.put("inter.broker.listener.name", listener);
            p.put("sasl.enabled.mechanisms", "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512");
            p.put("sasl.mechanism.inter.broker.protocol", "PLAIN");
            StringBuilder plain = new StringBuilder(PLAIN_LOGIN + " required username=\"" + adminUser + "\" password=\""
                    + adminPassword
                    + "\" user_" + adminUser + "=\"" + adminPassword + "\"");
            plainUsers.forEach((u, pw) ->
                    plain.append(" user_").append(u).append("=\"").append(pw).append('"'));
            p.put(prefix + "plain.sasl.jaas.config", plain.append(';').toString());
            p.put(prefix + "scram-sha-256.sasl.jaas.config", SCRAM_LOGIN + " required;");
            p.put(prefix + "scram-sha-512.sasl.jaas.config", SCRAM_LOGIN + " required;");
            if (keystore != null) {
                p.put("ssl.keystore.location", keystore.toString());
                p.put("ssl.keystore.password", storePassword);
                p.put("ssl.key.password", storePassword);
                p.put("ssl.keystore.type", "PKCS12");
                p.put("ssl.truststore.location", truststore.toString());
                p.put("ssl.truststore.password", storePassword);
                p.put("ssl.truststore.type", "PKCS12");
            }
            if (authorizer) {
                p.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
                // The controller listener is PLAINTEXT on localhost only: its principal (ANONYMOUS) is the broker
                // itself.
                p.put("super.users", "User:" + adminUser + ";User:ANONYMOUS");
                p.put("allow.everyone.if.no.acl.found", "false");
            }
            return p;
        }
    }

    /** Starts a broker on a fresh temporary directory and a free port; the directory is deleted on close. */
    public static EmbeddedKafkaBroker startTemporary() {
        try {
            Path dir = Files.createTempDirectory("streamtune-kafka-");
            return start(dir, freePort(), freePort(), Map.of(), true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary directory for the embedded broker", e);
        }
    }

    /** Starts (formatting on first use) a broker that keeps its data in {@code dataDir}. Port 0 picks a free port. */
    public static EmbeddedKafkaBroker start(Path dataDir, int port) {
        int brokerPort = port == 0 ? freePort() : port;
        return start(dataDir, brokerPort, controllerPortFor(dataDir, brokerPort), Map.of(), false);
    }

    /** As {@link #start(Path, int)}, with a SASL listener instead of the PLAINTEXT one. */
    public static EmbeddedKafkaBroker start(Path dataDir, int port, Sasl sasl) {
        int brokerPort = port == 0 ? freePort() : port;
        return start(dataDir, brokerPort, controllerPortFor(dataDir, brokerPort), Map.of(), false, sasl);
    }

    /** A SASL broker on a fresh temporary directory and a free port; the directory is deleted on close. */
    public static EmbeddedKafkaBroker startTemporary(Sasl sasl) {
        try {
            Path dir = Files.createTempDirectory("streamtune-kafka-");
            return start(dir, freePort(), freePort(), Map.of(), true, sasl);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary directory for the embedded broker", e);
        }
    }

    /**
     * Starts a broker with extra server properties layered over the single-node defaults.
     *
     * @param overrides server properties (e.g. {@code log.retention.hours}) that win over ours
     */
    public static EmbeddedKafkaBroker start(
            Path dataDir, int port, int controllerPort, Map<String, String> overrides, boolean deleteOnClose) {
        return start(dataDir, port, controllerPort, overrides, deleteOnClose, null);
    }

    private static EmbeddedKafkaBroker start(
            Path dataDir,
            int port,
            int controllerPort,
            Map<String, String> overrides,
            boolean deleteOnClose,
            Sasl sasl) {
        long t0 = System.nanoTime();
        Path logDir = dataDir.toAbsolutePath().resolve("kraft");
        Properties props = serverProperties(logDir, port, controllerPort);
        if (sasl != null) {
            props.putAll(sasl.serverProperties(port, controllerPort));
        }
        props.putAll(overrides);
        try {
            Files.createDirectories(logDir);
            format(props, logDir);
        } catch (Exception e) {
            throw new IllegalStateException(
                    "cannot format Kafka storage in " + logDir + ": " + e.getMessage()
                            + " (delete the directory to start over)",
                    e);
        }
        KafkaRaftServer server = new KafkaRaftServer(new KafkaConfig(props, false), Time.SYSTEM);
        try {
            server.startup();
        } catch (RuntimeException e) {
            throw new IllegalStateException(
                    "Kafka broker failed to start on port " + port
                            + " with data in " + logDir + ": " + e.getMessage()
                            + " (is the port in use, or another broker using the directory?)",
                    e);
        }
        EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(server, dataDir, port, deleteOnClose, sasl);
        broker.awaitReady();
        log.info(
                "Kafka broker ready at {} (data {}) in {} ms",
                broker.bootstrapServers(),
                logDir,
                (System.nanoTime() - t0) / 1_000_000);
        return broker;
    }

    /**
     * The single-node settings that exactly-once and consumer groups depend on: every internal
     * topic with replication factor 1 and min ISR 1, otherwise transactions and group joins hang.
     */
    static Properties serverProperties(Path logDir, int port, int controllerPort) {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.voters", "1@localhost:" + controllerPort);
        p.put(
                "listeners",
                "PLAINTEXT://localhost:" + port + "," + CONTROLLER_LISTENER + "://localhost:" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://localhost:" + port);
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
        p.put("controller.listener.names", CONTROLLER_LISTENER);
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("log.dirs", logDir.toString());
        p.put("num.partitions", "1");
        p.put("default.replication.factor", "1");
        p.put("min.insync.replicas", "1");
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "5");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "5");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        // A single JVM with the services: keep the cleaner's buffer small (default is 128 MiB).
        p.put("log.cleaner.dedupe.buffer.size", String.valueOf(4 * 1024 * 1024));
        p.put("log.cleaner.threads", "1");
        p.put("num.network.threads", "2");
        p.put("num.io.threads", "4");
        p.put("auto.create.topics.enable", "false");
        p.put("message.max.bytes", String.valueOf(MESSAGE_MAX_BYTES));
        p.put("replica.fetch.max.bytes", String.valueOf(MESSAGE_MAX_BYTES));
        p.put("log.retention.hours", String.valueOf(24 * 30));
        return p;
    }

    private static void format(Properties props, Path logDir) throws Exception {
        if (Files.exists(logDir.resolve("meta.properties"))) {
            return;
        }
        // Formatter prints a line per directory; keep it out of the user's terminal.
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8);
        new Formatter()
                .setPrintStream(quiet)
                .setNodeId(Integer.parseInt(props.getProperty("node.id")))
                .setClusterId(Uuid.randomUuid().toString())
                .setControllerListenerName(CONTROLLER_LISTENER)
                .setMetadataLogDirectory(logDir.toString())
                .setDirectories(Set.of(logDir.toString()))
                .setReleaseVersion(MetadataVersion.latestProduction())
                .setIgnoreFormatted(true)
                .run();
    }

    private void awaitReady() {
        Properties p = adminClientProperties();
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        try (Admin admin = Admin.create(p)) {
            long deadline = System.currentTimeMillis() + 60_000;
            while (true) {
                try {
                    admin.describeCluster().nodes().get();
                    return;
                } catch (Exception e) {
                    if (System.currentTimeMillis() > deadline) {
                        throw new IllegalStateException(
                                "embedded broker on port " + port + " did not become ready in 60 s", e);
                    }
                    Thread.sleep(100);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the broker", e);
        }
    }

    /**
     * Client settings of the broker's administrator: the address, and on a SASL broker the admin's
     * PLAIN login (a super user when the authorizer is on).
     */
    public Properties adminClientProperties() {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        if (sasl != null) {
            p.putAll(sasl.clientSettingsFor("PLAIN", sasl.adminUser(), sasl.adminPassword()));
        }
        return p;
    }

    /**
     * Gives {@code user} SCRAM-SHA-256 and SCRAM-SHA-512 credentials (replacing earlier ones), through
     * the Admin API as the administrator; the broker must have a SASL listener.
     */
    public void addScramUser(String user, String password) {
        if (sasl == null) {
            throw new IllegalStateException("the broker on port " + port + " has no SASL listener");
        }
        try (Admin admin = Admin.create(adminClientProperties())) {
            // One request per mechanism: the broker refuses two alterations of one user in a request.
            for (ScramMechanism mechanism : List.of(ScramMechanism.SCRAM_SHA_256, ScramMechanism.SCRAM_SHA_512)) {
                admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(
                                user, new ScramCredentialInfo(mechanism, 8192), password)))
                        .all()
                        .get(30, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            throw new IllegalStateException("cannot create SCRAM user " + user + ": " + e.getMessage(), e);
        }
    }

    /** The address clients connect to, e.g. {@code localhost:9092}. */
    public String bootstrapServers() {
        return "localhost:" + port;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** Blocks until the broker has shut down (used by the stand-alone broker process). */
    public void awaitShutdown() {
        server.awaitShutdown();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        server.shutdown();
        server.awaitShutdown();
        if (deleteOnClose) {
            deleteRecursively(dataDir);
        }
        log.info("Kafka broker on port {} stopped", port);
    }

    /**
     * The controller port must stay the same across restarts on one data directory (it is part of
     * the quorum configuration), so it is derived from the broker port and remembered on disk.
     */
    private static int controllerPortFor(Path dataDir, int brokerPort) {
        Path file = dataDir.resolve("controller.port");
        try {
            if (Files.exists(file)) {
                return Integer.parseInt(Files.readString(file).trim());
            }
            Files.createDirectories(dataDir);
            int port = freePort();
            Files.writeString(file, Integer.toString(port));
            return port;
        } catch (IOException | NumberFormatException e) {
            throw new IllegalStateException("cannot read or write " + file + ": " + e.getMessage(), e);
        }
    }

    /** A currently free TCP port on the loopback interface. */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress("localhost", 0));
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on localhost", e);
        }
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            log.warn("could not delete {}: {}", dir, e.getMessage());
        }
    }

    /** A unique suffix for topic names and application ids in tests and demos. */
    public static String uniqueSuffix() {
        return UUID.randomUUID().toString().substring(0, 8);
    }
}
