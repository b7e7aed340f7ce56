package io.streamtune.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.Future;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import io.streamtune.cli.files.JsonlLines;
import io.streamtune.common.config.StreamtuneConfig;
import io.streamtune.common.config.TaskConfig;
import io.streamtune.common.event.Event;
import io.streamtune.common.event.Example;
import io.streamtune.common.event.ParseResult;
import io.streamtune.common.event.Reason;
import io.streamtune.common.event.RecordParser;
import io.streamtune.common.kafka.KafkaClients;

@Command(
        name = "produce",
        mixinStandardHelpOptions = true,
        description = {
            "Validates a JSONL file line by line and produces the valid lines to <task>.examples or <task>.events.",
            "Rejected lines are reported by number and reason; the exit code is 3 when any line was rejected,",
            "1 when the broker cannot be reached."
        })
final class ProduceCommand implements Callable<Integer> {
    enum Kind {
        examples,
        events
    }

    @Parameters(index = "0", paramLabel = "examples|events", description = "which topic of the task to produce to")
    Kind kind;

    @Option(names = "--task", required = true, paramLabel = "T", description = "task name (declared in the config)")
    String task;

    @Option(names = "--file", paramLabel = "F.jsonl", description = "one JSON record per line")
    Path file;

    @Option(
            names = "--images",
            paramLabel = "DIR",
            description = {
                "instead of --file: image files, one record each",
                "(id = file name, image = base64 of the bytes); examples: one sub-folder per label (ImageFolder)"
            })
    Path images;

    /** What one line of {@link #file} stands for in the summary: a line, or an image file (--images). */
    String unit = "lines";

    @Option(
            names = "--send-invalid",
            description = "also produce rejected lines, so the services dead-letter them (demos, tests)")
    boolean sendInvalid;

    @Mixin
    KafkaOptions kafka;

    @Override
    public Integer call() throws Exception {
        StreamtuneConfig cfg = kafka.load();
        TaskConfig t = cfg.requireTask(task);
        if ((file == null) == (images == null)) {
            System.err.println("error: give either --file F.jsonl or --images DIR");
            return 2;
        }
        if (images != null) {
            return ProduceImages.produce(this, images, kind == Kind.examples);
        }
        if (!Files.isRegularFile(file)) {
            System.err.println("error: --file " + file.toAbsolutePath() + " does not exist");
            return 2;
        }
        KafkaClients clients = KafkaOptions.reachableClients(cfg);
        String topic =
                kind == Kind.examples ? t.topics().examples() : t.topics().events();
        RecordParser parser = RecordParser.of(cfg);
        Result r = produce(clients, parser, t.name(), kind == Kind.examples, topic, file, sendInvalid);
        System.out.printf(
                "%d %s: %d produced to %s, %d rejected%s%n",
                r.lines,
                unit,
                r.produced,
                topic,
                r.rejected.size(),
                sendInvalid && !r.rejected.isEmpty() ? " (sent anyway: --send-invalid)" : "");
        r.rejected.forEach(line -> System.out.println("  " + line));
        return r.rejected.isEmpty() ? 0 : 3;
    }

    record Result(int lines, int produced, List<String> rejected) {}

    /**
     * Reads {@code file} line by line as bytes; each line is checked alone (UTF-8, JSON, fields,
     * size) by {@code parser} and, when valid (or with {@code sendInvalid}), produced with its id as
     * the key. A bad line never stops the others.
     */
    static Result produce(
            KafkaClients clients,
            RecordParser parser,
            String task,
            boolean examples,
            String topic,
            Path file,
            boolean sendInvalid)
            throws IOException, InterruptedException {
        int limit = parser.limits().recordBytes();
        List<String> rejected = new ArrayList<>();
        int lines = 0;
        int produced = 0;
        List<Future<RecordMetadata>> pending = new ArrayList<>();
        // A line of up to limits.recordBytes must go through (Kafka's default request limit is 1 MiB).
        try (KafkaProducer<byte[], byte[]> producer = clients.producer(Map.of(
                        ProducerConfig.ACKS_CONFIG,
                        "all",
                        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                        "true",
                        ProducerConfig.LINGER_MS_CONFIG,
                        "5",
                        ProducerConfig.MAX_REQUEST_SIZE_CONFIG,
                        Integer.toString(parser.limits().writeBytes())));
                JsonlLines in = new JsonlLines(file, limit)) {
            for (JsonlLines.Line line = in.next(); line != null; line = in.next()) {
                lines = line.number();
                if (line.blank()) {
                    continue;
                }
                if (line.cut()) {
                    rejected.add("line " + line.number() + ": " + Reason.RECORD_TOO_LARGE + ": line of " + line.length()
                            + " bytes is over limits.recordBytes " + limit);
                    continue; // not even --send-invalid: the broker or the services could not take it whole
                }
                byte[] bytes = line.bytes();
                ParseResult<?> parsed = parse(parser, task, examples, null, bytes);
                byte[] key = null;
                if (parsed.isOk()) {
                    key = id(parsed.value()).getBytes(StandardCharsets.UTF_8);
                    if (RecordParser.recordSize(key, bytes, null) > limit) {
                        parsed = parse(parser, task, examples, key, bytes); // key and value together: RECORD_TOO_LARGE
                    }
                }
                if (!parsed.isOk()) {
                    rejected.add("line " + line.number() + ": " + parsed.reason() + ": " + parsed.message());
                    if (!sendInvalid) {
                        continue;
                    }
                }
                pending.add(producer.send(new ProducerRecord<>(topic, key, bytes)));
                produced++;
            }
            producer.flush();
            for (Future<RecordMetadata> f : pending) {
                try {
                    f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    throw new IOException(
                            "producing to " + topic + " failed: " + e.getCause().getMessage(), e.getCause());
                }
            }
        }
        return new Result(lines, produced, rejected);
    }

    private static ParseResult<?> parse(RecordParser parser, String task, boolean examples, byte[] key, byte[] value) {
        return examples ? parser.parseExample(task, key, value, null) : parser.parseEvent(task, key, value, null);
    }

    private static String id(Object record) {
        return record instanceof Example e ? e.id() : ((Event) record).id();
    }
}
