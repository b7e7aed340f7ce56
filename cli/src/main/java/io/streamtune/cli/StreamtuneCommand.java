package io.streamtune.cli;

import java.util.Set;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import io.streamtune.common.config.ConfigException;
import io.streamtune.common.logging.ServiceLogging;

/** The top-level {@code streamtune} command. */
@Command(
        name = "streamtune",
        mixinStandardHelpOptions = true,
        version = "streamtune 0.1.0",
        description = "Continuous fine-tuning of classifiers on Kafka, with hot-swap scoring.",
        subcommands = {
            BrokerCommand.class,
            TopicsCommand.class,
            AclsCommand.class,
            ConfigCommand.class,
            ProduceCommand.class,
            TailCommand.class,
            EvaluateCommand.class,
            BenchCommand.class,
            TrainerCommand.class,
            ScoringCommand.class,
            MonitorCommand.class,
            ModelsCommand.class,
            DemoCommand.class
        })
public final class StreamtuneCommand {

    /** Subcommands that run a service: their Kafka clients' connection warnings stay visible. */
    private static final Set<String> SERVICES = Set.of("trainer", "scoring");

    public static void main(String[] args) {
        ServiceLogging.start("cli");
        if (args.length == 0 || !SERVICES.contains(args[0])) {
            // The commands say within 10 s that no broker answers; the client's own retry warnings would only repeat
            // it.
            ServiceLogging.setLevel("org.apache.kafka.clients.NetworkClient", "error");
        }
        System.exit(run(args));
    }

    /** Runs a command line and returns its exit code; errors print one clear line, not a stack trace. */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new StreamtuneCommand());
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof ConfigException || e instanceof KafkaOptions.UnreachableBrokerException) {
                cmd.getErr().println("error: " + e.getMessage());
                return 1;
            }
            cmd.getErr().println("error: " + e);
            if (Boolean.getBoolean("streamtune.debug")) {
                e.printStackTrace(cmd.getErr());
            } else {
                cmd.getErr().println("(run with JAVA_OPTS=-Dstreamtune.debug=true for the stack trace)");
            }
            return 1;
        });
        return cli.execute(args);
    }
}
