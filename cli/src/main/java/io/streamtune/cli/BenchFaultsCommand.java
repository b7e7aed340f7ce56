package io.streamtune.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import io.streamtune.cli.faults.FaultScenario;
import io.streamtune.cli.faults.Supervisor;
import io.streamtune.common.config.Setting;
import io.streamtune.common.serde.Json;

/**
 * {@code streamtune bench faults}: the fault suite of issue 9. Runs a broker, a trainer and a scorer
 * as separate processes (each {@code java ... io.streamtune.cli.StreamtuneCommand broker|trainer|scoring},
 * the path a user takes), streams events and examples, then kills the scorer and the trainer with
 * SIGKILL several times and the broker once, publishes bad model records and injects large records;
 * prints per step: events in, predictions, dead letters by reason, lost, duplicated, time back to
 * RUNNING, the versions in service; the last line is one JSON object. See {@link FaultScenario}.
 *
 * <p>Exit codes: 0 nothing lost or duplicated and every check held; 4 otherwise (the report says what);
 * 1 a component did not start (the message names it and quotes its log).
 */
@Command(
        name = "faults",
        mixinStandardHelpOptions = true,
        description = {
            "Fault suite: broker, trainer and scorer as separate processes under a steady feed of events "
                    + "and examples; kill -9 the scorer and the trainer several times and the broker once, bad model "
                    + "records, large records. Prints per step: events in, predictions, dead letters, lost, duplicated, "
                    + "time back to RUNNING; the last line is JSON.",
            "Run one kind of step alone with e.g. --steps large-record (a warm-up always comes first)."
        })
public final class BenchFaultsCommand implements Callable<Integer> {

    @Option(
            names = "--steps",
            split = ",",
            paramLabel = "STEP",
            converter = StepConverter.class,
            defaultValue = "scorer-kill,trainer-kill,broker-restart,bad-model,large-record",
            description = "kinds of step, in order (default: ${DEFAULT-VALUE}); large-record last: until record size "
                    + "limits exist it may stall the scorer for good")
    List<FaultScenario.Step> steps;

    @Option(
            names = "--scorer-kills",
            defaultValue = "3",
            description = "times the scorer is killed (default: ${DEFAULT-VALUE})")
    int scorerKills;

    @Option(
            names = "--trainer-kills",
            defaultValue = "2",
            description = "times the trainer is killed, the first while it trains (default: ${DEFAULT-VALUE})")
    int trainerKills;

    @Option(
            names = "--event-rate",
            defaultValue = "12",
            description = "events per second, all tasks (default: ${DEFAULT-VALUE})")
    double eventRate;

    @Option(
            names = "--example-rate",
            defaultValue = "12",
            description = "labelled examples per second, all tasks (default: ${DEFAULT-VALUE})")
    double exampleRate;

    @Option(
            names = "--retrain-every",
            defaultValue = "60",
            description = "window.retrainEvery of each task: new versions keep coming (default: ${DEFAULT-VALUE})")
    int retrainEvery;

    @Option(
            names = "--partitions",
            defaultValue = "3",
            description = "partitions per task topic (default: ${DEFAULT-VALUE})")
    int partitions;

    @Option(
            names = "--settle",
            defaultValue = "10s",
            converter = DurationConverter.class,
            description = "streaming after each fault before its figures are taken (default: ${DEFAULT-VALUE})")
    Duration settle;

    @Option(
            names = "--drain",
            defaultValue = "60s",
            converter = DurationConverter.class,
            description = "longest wait for a step's events to get a prediction or a dead letter "
                    + "(default: ${DEFAULT-VALUE})")
    Duration drain;

    @Option(
            names = "--broker-down",
            defaultValue = "20s",
            converter = DurationConverter.class,
            description = "how long the broker stays down (default: ${DEFAULT-VALUE})")
    Duration brokerDown;

    @Option(
            names = "--large-records",
            split = ",",
            paramLabel = "KIND",
            defaultValue = "event,malformed",
            description = "what the large-record step injects: event (1.2 MB valid event, partition 0), malformed "
                    + "(2 MiB malformed record, partition 1) or both (default: ${DEFAULT-VALUE}); one alone shows its "
                    + "own fate when the other would stall the scorer first")
    List<FaultScenario.LargeRecord> largeRecords;

    @Option(
            names = "--large-record-wait",
            defaultValue = "60s",
            converter = DurationConverter.class,
            description = "how long the large-record step watches the injected records' fate "
                    + "(default: ${DEFAULT-VALUE})")
    Duration largeRecordWait;

    @Option(
            names = "--start-timeout",
            defaultValue = "180s",
            converter = DurationConverter.class,
            description = "longest start of one component (default: ${DEFAULT-VALUE})")
    Duration startTimeout;

    @Option(
            names = "--warmup-timeout",
            defaultValue = "300s",
            converter = DurationConverter.class,
            description = "longest wait for the first version of every task (default: ${DEFAULT-VALUE})")
    Duration warmupTimeout;

    @Option(
            names = "--run-dir",
            paramLabel = "DIR",
            description = "config, logs, broker data and scorer state (default: .streamtune/bench-faults/<date-time>)")
    Path runDir;

    @Option(names = "--seed", defaultValue = "7", description = "seed of the feed's texts (default: ${DEFAULT-VALUE})")
    long seed;

    @Override
    public Integer call() throws Exception {
        // This process's own lines tell the story; its Kafka clients complain while the broker is down on purpose.
        System.setProperty("org.slf4j.simpleLogger.log.org.apache.kafka", "error");
        System.setProperty("org.slf4j.simpleLogger.log.io.streamtune.common", "error");
        Path dir = runDir != null
                ? runDir
                : Path.of(
                        ".streamtune",
                        "bench-faults",
                        LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        FaultScenario.Options options = new FaultScenario.Options(
                dir,
                eventRate,
                exampleRate,
                retrainEvery,
                partitions,
                steps,
                scorerKills,
                trainerKills,
                settle,
                drain,
                brokerDown,
                Set.copyOf(largeRecords),
                largeRecordWait,
                startTimeout,
                warmupTimeout,
                seed);
        try {
            Map<String, Object> report = new FaultScenario(options, System.out).run();
            System.out.println(Json.writeString(report));
            return Boolean.TRUE.equals(report.get("passed")) ? 0 : 4;
        } catch (Supervisor.ComponentFailedException e) {
            System.err.println("error: " + e.getMessage());
            return 1;
        }
    }

    /** Reads a step by its name, e.g. {@code large-record}. */
    static final class StepConverter implements CommandLine.ITypeConverter<FaultScenario.Step> {
        @Override
        public FaultScenario.Step convert(String value) {
            try {
                return FaultScenario.Step.of(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    /** Reads {@code 250ms}, {@code 30s}, {@code 5m} as {@link Setting#parseDuration} does. */
    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            try {
                return Setting.parseDuration(value);
            } catch (RuntimeException e) {
                throw new CommandLine.TypeConversionException(
                        "'" + value + "' is not a duration: use e.g. 500ms, 20s or 2m");
            }
        }
    }
}
