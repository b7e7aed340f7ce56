package io.streamtune.cli;

import java.util.List;
import java.util.concurrent.Callable;

import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import io.streamtune.common.config.StreamtuneConfig;
import io.streamtune.common.kafka.KafkaClients;
import io.streamtune.common.topic.TopicAdmin;
import io.streamtune.common.topic.TopicSpec;

@Command(
        name = "topics",
        mixinStandardHelpOptions = true,
        description = "Manages streamtune's topics.",
        subcommands = TopicsCommand.Create.class)
final class TopicsCommand {

    @Command(
            name = "create",
            mixinStandardHelpOptions = true,
            description = {
                "Creates every topic the configured tasks need (existing ones are left alone):",
                "<task>.examples, .events, .predictions, .dlq, .alerts, streamtune.models, streamtune.model-events."
            })
    static final class Create implements Callable<Integer> {
        @Mixin
        KafkaOptions kafka;

        @Override
        public Integer call() throws Exception {
            StreamtuneConfig cfg = kafka.load();
            KafkaClients clients = KafkaOptions.reachableClients(cfg);
            List<TopicSpec> specs = cfg.topicLayout();
            try (Admin admin = clients.admin()) {
                List<String> created = TopicAdmin.ensure(admin, specs);
                for (TopicSpec s : specs) {
                    System.out.printf(
                            "%-8s %-34s partitions=%-3d %s %s%n",
                            created.contains(s.name()) ? "created" : "exists",
                            s.name(),
                            s.partitions(),
                            s.configs(),
                            s.purpose());
                }
            }
            return 0;
        }
    }
}
