package io.streamtune.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.acl.AclBinding;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import io.streamtune.common.config.StreamtuneConfig;
import io.streamtune.common.kafka.KafkaClients;
import io.streamtune.monitor.MonitorSettings;
import io.streamtune.scoring.ScoringSettings;

@Command(
        name = "acls",
        mixinStandardHelpOptions = true,
        description = {
            "The minimum Kafka ACLs of the trainer, the scorer, the monitor and the operator's commands,",
            "for the configured tasks (rules: io/streamtune/cli/acls.txt in the cli jar)."
        },
        subcommands = {AclsCommand.Print.class, AclsCommand.Create.class})
final class AclsCommand {

    /** What both subcommands share: the configuration and who is who. */
    static final class Target {
        @Mixin
        KafkaOptions kafka;

        @Option(
                names = "--principal",
                paramLabel = "ROLE=PRINCIPAL",
                description = "principal of a role: trainer, scoring, monitor or cli"
                        + " (default: User:trainer, User:scoring, User:monitor, User:cli)")
        Map<String, String> principals = new LinkedHashMap<>();

        List<AclBinding> bindings(StreamtuneConfig cfg) throws Exception {
            Map<String, String> p = new LinkedHashMap<>(AclRules.DEFAULT_PRINCIPALS);
            p.putAll(principals);
            return AclRules.load()
                    .bindings(
                            List.copyOf(cfg.tasks().keySet()),
                            ScoringSettings.from(cfg).applicationId(),
                            MonitorSettings.from(cfg).applicationId(),
                            p);
        }
    }

    @Command(
            name = "print",
            mixinStandardHelpOptions = true,
            description = "Prints the ACLs as kafka-acls.sh commands.")
    static final class Print implements Callable<Integer> {
        @Mixin
        Target target;

        @Override
        public Integer call() throws Exception {
            StreamtuneConfig cfg = target.kafka.load();
            AclRules.kafkaAclsCommands(target.bindings(cfg), cfg.bootstrapServers())
                    .forEach(System.out::println);
            return 0;
        }
    }

    @Command(
            name = "create",
            mixinStandardHelpOptions = true,
            description = "Creates the ACLs through the Admin API; run it with an administrator's client settings.")
    static final class Create implements Callable<Integer> {
        @Mixin
        Target target;

        @Override
        public Integer call() throws Exception {
            StreamtuneConfig cfg = target.kafka.load();
            KafkaClients clients = KafkaOptions.reachableClients(cfg);
            List<AclBinding> bindings = target.bindings(cfg);
            try (Admin admin = clients.admin()) {
                admin.createAcls(bindings).all().get(30, TimeUnit.SECONDS);
            }
            System.out.println(
                    "created " + bindings.size() + " ACLs for " + cfg.tasks().keySet());
            return 0;
        }
    }
}
