package io.streamtune.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import io.streamtune.broker.EmbeddedKafkaBroker;

@Command(
        name = "broker",
        mixinStandardHelpOptions = true,
        description = {
            "Runs a real single-node Kafka broker (KRaft) in this process until Ctrl-C.",
            "Data is kept in --data between runs. With --sasl its client listener is SASL_PLAINTEXT",
            "(PLAIN, SCRAM-SHA-256, SCRAM-SHA-512), or SASL_SSL with --tls-keystore, to try streamtune against",
            "a secured cluster."
        })
final class BrokerCommand implements Callable<Integer> {
    @Option(
            names = "--data",
            paramLabel = "DIR",
            defaultValue = ".streamtune/kafka",
            description = "data directory (default: ${DEFAULT-VALUE})")
    Path data;

    @Option(
            names = "--port",
            paramLabel = "P",
            defaultValue = "9092",
            description = "client port (default: ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--sasl", description = "a SASL_PLAINTEXT client listener instead of PLAINTEXT")
    boolean sasl;

    @Option(
            names = "--admin",
            paramLabel = "USER:PASSWORD",
            defaultValue = "admin:admin-secret",
            description = "with --sasl: the administrator, a PLAIN user (default: ${DEFAULT-VALUE})")
    String admin;

    @Option(
            names = "--plain-user",
            paramLabel = "USER:PASSWORD",
            description = "with --sasl: a PLAIN user (repeatable)")
    List<String> plainUsers = List.of();

    @Option(
            names = "--scram-user",
            paramLabel = "USER:PASSWORD",
            description = "with --sasl: a SCRAM-SHA-256 and SCRAM-SHA-512 user, created after the start (repeatable)")
    List<String> scramUsers = List.of();

    @Option(
            names = "--acls",
            description = "with --sasl: Kafka's StandardAuthorizer; only the administrator and what ACLs allow")
    boolean acls;

    @Option(
            names = "--tls-keystore",
            paramLabel = "FILE.p12",
            description = "with --sasl: SASL_SSL, with this PKCS12 keystore holding the key and certificate"
                    + " for localhost")
    Path tlsKeystore;

    @Option(
            names = "--tls-truststore",
            paramLabel = "FILE.p12",
            description = "with --tls-keystore: a PKCS12 truststore trusting that certificate")
    Path tlsTruststore;

    @Option(
            names = "--tls-password",
            paramLabel = "PASSWORD",
            description = "with --tls-keystore: the password of both stores")
    String tlsPassword;

    @Override
    public Integer call() throws Exception {
        EmbeddedKafkaBroker broker;
        String protocol = "PLAINTEXT";
        if (sasl) {
            String[] a = userAndPassword(admin, "--admin");
            Map<String, String> plain = new LinkedHashMap<>();
            for (String u : plainUsers) {
                String[] up = userAndPassword(u, "--plain-user");
                plain.put(up[0], up[1]);
            }
            EmbeddedKafkaBroker.Sasl settings = new EmbeddedKafkaBroker.Sasl(a[0], a[1], plain, acls);
            if (tlsKeystore != null) {
                if (tlsTruststore == null || tlsPassword == null) {
                    throw new IllegalArgumentException("--tls-keystore needs --tls-truststore and --tls-password");
                }
                settings = settings.withTls(tlsKeystore.toAbsolutePath(), tlsTruststore.toAbsolutePath(), tlsPassword);
            }
            broker = EmbeddedKafkaBroker.start(data, port, settings);
            protocol = settings.protocol();
            for (String u : scramUsers) {
                String[] up = userAndPassword(u, "--scram-user");
                broker.addScramUser(up[0], up[1]);
            }
        } else {
            broker = EmbeddedKafkaBroker.start(data, port);
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            broker.close();
                            stopped.countDown();
                        },
                        "broker-stop"));
        System.out.println("Kafka broker ready at " + broker.bootstrapServers() + " (data in " + data.toAbsolutePath()
                + "); Ctrl-C stops it");
        if (sasl) {
            System.out.println(protocol + " with PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512"
                    + (acls ? "; ACLs enforced" : "") + ". A client logs in with e.g.");
            System.out.println("  STREAMTUNE_KAFKA_SECURITY_PROTOCOL=" + protocol
                    + " STREAMTUNE_KAFKA_SASL_MECHANISM=SCRAM-SHA-512 \\");
            System.out.println("  STREAMTUNE_KAFKA_SASL_JAAS_CONFIG='"
                    + EmbeddedKafkaBroker.Sasl.jaas("SCRAM-SHA-512", "USER", "PASSWORD") + "'");
        }
        stopped.await();
        return 0;
    }

    private static String[] userAndPassword(String value, String option) {
        int colon = value.indexOf(':');
        if (colon <= 0 || colon == value.length() - 1) {
            throw new IllegalArgumentException(option + " " + value + ": give USER:PASSWORD");
        }
        return new String[] {value.substring(0, colon), value.substring(colon + 1)};
    }
}
