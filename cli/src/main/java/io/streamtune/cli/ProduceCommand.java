package io.streamtune.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.Future;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import io.streamtune.common.config.StreamtuneConfig;
import io.streamtune.common.config.TaskConfig;
import io.streamtune.common.event.ParseResult;
import io.streamtune.common.event.RecordParser;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "produce", mixinStandardHelpOptions = true,
        description = {"Validates a JSONL file line by line and produces the valid lines to <task>.examples or <task>.events.",
                "Rejected lines are reported by number and reason; the exit code is 3 when any line was rejected,",
                "1 when the broker cannot be reached."})
final class ProduceCommand implements Callable<Integer> {
    enum Kind { examples, events }

    @Parameters(index = "0", paramLabel = "examples|events", description = "which topic of the task to produce to")
    Kind kind;

    @Option(names = "--task", required = true, paramLabel = "T", description = "task name (declared in the config)")
    String task;

    @Option(names = "--file", paramLabel = "F.jsonl", description = "one JSON record per line")
    Path file;

    @Option(names = "--images", paramLabel = "DIR", description = {"instead of --file: image files, one record each",
            "(id = file name, image = base64 of the bytes); examples: one sub-folder per label (ImageFolder)"})
    Path images;

    @Option(names = "--send-invalid", description = "also produce rejected lines, so the services dead-letter them (demos, tests)")
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
        KafkaOptions.requireReachable(cfg.kafkaProperties());
        String topic = kind == Kind.examples ? t.topics().examples() : t.topics().events();
        RecordParser parser = new RecordParser(cfg.tasks());
        Result r = produce(cfg.kafkaProperties(), parser, t.name(), kind == Kind.examples, topic, file, sendInvalid);
        System.out.printf("%d lines: %d produced to %s, %d rejected%s%n", r.lines, r.produced, topic, r.rejected.size(),
                sendInvalid && !r.rejected.isEmpty() ? " (sent anyway: --send-invalid)" : "");
        r.rejected.forEach(line -> System.out.println("  " + line));
        return r.rejected.isEmpty() ? 0 : 3;
    }

    record Result(int lines, int produced, List<String> rejected) {
    }

    static Result produce(Properties clientProps, RecordParser parser, String task, boolean examples, String topic, Path file,
                          boolean sendInvalid) throws IOException, InterruptedException {
        Properties p = new Properties();
        p.putAll(clientProps);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        List<String> rejected = new ArrayList<>();
        int lines = 0;
        int produced = 0;
        List<Future<RecordMetadata>> pending = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
             BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            while ((line = in.readLine()) != null) {
                lines++;
                if (line.isBlank()) {
                    continue;
                }
                byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
                ParseResult<?> parsed = examples ? parser.parseExample(task, bytes) : parser.parseEvent(task, bytes);
                byte[] key = null;
                if (parsed.isOk()) {
                    String id = examples ? ((io.streamtune.common.event.Example) parsed.value()).id()
                            : ((io.streamtune.common.event.Event) parsed.value()).id();
                    key = id.getBytes(StandardCharsets.UTF_8);
                } else {
                    rejected.add("line " + lines + ": " + parsed.reason() + ": " + parsed.message());
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
                    throw new IOException("producing to " + topic + " failed: " + e.getCause().getMessage(), e.getCause());
                }
            }
        }
        return new Result(lines, produced, rejected);
    }
}
