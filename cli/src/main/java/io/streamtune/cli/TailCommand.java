package io.streamtune.cli;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.header.Header;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import io.streamtune.cli.text.AlertLine;
import io.streamtune.common.config.ConfigException;
import io.streamtune.common.event.Alert;
import io.streamtune.common.kafka.KafkaClients;
import io.streamtune.common.topic.TaskTopics;

@Command(
        name = "tail",
        mixinStandardHelpOptions = true,
        description = {
            "Prints the records of a topic (read_committed), with headers for dead letters.",
            "TOPIC is a topic name, or examples|events|predictions|dlq|alerts together with --task T.",
            "Alerts print as one readable line each (times in UTC)."
        })
final class TailCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "TOPIC")
    String topic;

    @Option(
            names = "--task",
            paramLabel = "T",
            description = "resolve examples|events|predictions|dlq|alerts for this task")
    String task;

    @Option(names = "--from", defaultValue = "beginning", description = "beginning or end (default: ${DEFAULT-VALUE})")
    String from;

    @Option(names = "--max", defaultValue = "0", description = "stop after this many records (0: never)")
    int max;

    @Option(
            names = "--idle-exit",
            paramLabel = "SECONDS",
            defaultValue = "0",
            description = "stop when no record arrived for this long (0: never)")
    int idleExit;

    @Mixin
    KafkaOptions kafka;

    @Override
    public Integer call() throws Exception {
        String name = resolve();
        KafkaClients clients = KafkaOptions.reachableClients(kafka.load());
        int seen = 0;
        long lastRecord = System.currentTimeMillis();
        try (KafkaConsumer<byte[], byte[]> consumer = clients.consumer(Map.of(
                ConsumerConfig.GROUP_ID_CONFIG,
                "streamtune-tail-" + System.nanoTime(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                "read_committed",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                from.equals("end") ? "latest" : "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                "false"))) {
            consumer.subscribe(List.of(name));
            while (max == 0 || seen < max) {
                var records = consumer.poll(Duration.ofMillis(500));
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    System.out.println(name.endsWith(".alerts") ? alertOrRaw(r) : format(r));
                    seen++;
                    if (max > 0 && seen >= max) {
                        break;
                    }
                }
                if (!records.isEmpty()) {
                    lastRecord = System.currentTimeMillis();
                } else if (idleExit > 0 && System.currentTimeMillis() - lastRecord > idleExit * 1000L) {
                    break;
                }
            }
        }
        return 0;
    }

    private String resolve() throws ConfigException {
        if (task == null) {
            return topic;
        }
        TaskTopics t = kafka.load().requireTask(task).topics();
        return switch (topic) {
            case "examples" -> t.examples();
            case "events" -> t.events();
            case "predictions" -> t.predictions();
            case "dlq" -> t.dlq();
            case "alerts" -> t.alerts();
            default ->
                throw new ConfigException(
                        "with --task, TOPIC must be examples, events, predictions, dlq or alerts, not '" + topic + "'");
        };
    }

    /** An alert as one readable line ({@link AlertLine}); a record that is not an alert as it is. */
    static String alertOrRaw(ConsumerRecord<byte[], byte[]> r) {
        if (r.value() != null) {
            try {
                Alert a = Alert.parse(r.value());
                if (a.state() != null && a.task() != null) {
                    return AlertLine.of(a);
                }
            } catch (java.io.IOException | RuntimeException e) {
                // not an alert: shown raw below
            }
        }
        return format(r);
    }

    static String format(ConsumerRecord<byte[], byte[]> r) {
        StringBuilder sb = new StringBuilder();
        sb.append(r.partition()).append('@').append(r.offset()).append(' ');
        if (r.key() != null) {
            sb.append(new String(r.key(), StandardCharsets.UTF_8)).append(' ');
        }
        sb.append(r.value() == null ? "null" : new String(r.value(), StandardCharsets.UTF_8));
        for (Header h : r.headers()) {
            if (h.key().startsWith("streamtune.")) {
                sb.append("\n    ")
                        .append(h.key())
                        .append(": ")
                        .append(h.value() == null ? "" : new String(h.value(), StandardCharsets.UTF_8));
            }
        }
        return sb.toString();
    }
}
