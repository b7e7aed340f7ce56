package io.streamtune.cli;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import io.streamtune.common.config.StreamtuneConfig;
import io.streamtune.common.kafka.KafkaClients;
import io.streamtune.common.model.LiveMetrics;
import io.streamtune.common.model.ModelArtifact;
import io.streamtune.common.model.ModelEvent;
import io.streamtune.common.model.ModelMetrics;
import io.streamtune.common.model.ModelVersion;
import io.streamtune.common.model.WeightsRef;
import io.streamtune.common.model.WindowRange;
import io.streamtune.trainer.publish.ModelCatalog;

@Command(
        name = "models",
        mixinStandardHelpOptions = true,
        description = "Model versions of a task: list, show, rollback.",
        subcommands = {ModelsCommand.ListVersions.class, ModelsCommand.Show.class, ModelsCommand.Rollback.class})
final class ModelsCommand {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

    /** Options every models subcommand shares. */
    static final class TaskOptions {
        @Option(names = "--task", required = true, paramLabel = "T", description = "task name")
        String task;

        @Mixin
        KafkaOptions kafka;

        ModelCatalog catalog() throws Exception {
            StreamtuneConfig cfg = kafka.load();
            cfg.requireTask(task);
            return ModelCatalog.read(KafkaOptions.reachableClients(cfg), task, TIMEOUT);
        }
    }

    @Command(
            name = "list",
            mixinStandardHelpOptions = true,
            description =
                    "Every decision of the trainer on the task, oldest first: published versions and rejected challengers, with holdout metrics.")
    static final class ListVersions implements Callable<Integer> {
        @Mixin
        TaskOptions opts;

        @Override
        public Integer call() throws Exception {
            ModelCatalog c = opts.catalog();
            if (c.events().isEmpty()) {
                System.out.println("task " + opts.task + " has no model versions yet");
                return 0;
            }
            System.out.printf(
                    "%-8s %-10s %-7s %-15s %-9s %-9s %-9s %-18s %-8s %-8s %-19s %s%n",
                    "version",
                    "decision",
                    "parent",
                    "kind",
                    "macroF1",
                    "champion",
                    "accuracy",
                    "live acc. (pairs)",
                    "trained",
                    "new ex.",
                    "created (UTC)",
                    "reason");
            for (ModelEvent e : c.events()) {
                LiveMetrics l = e.decision() == ModelEvent.Decision.PUBLISHED
                        ? c.liveMetrics(e.version()).orElse(null)
                        : null;
                System.out.printf(
                        Locale.ROOT,
                        "%-8s %-10s %-7s %-15s %-9s %-9s %-9s %-18s %-8d %-8d %-19s %s%n",
                        "v" + e.version(),
                        e.decision(),
                        e.parentVersion() == null ? "-" : "v" + e.parentVersion(),
                        e.challengerKind() == null ? "-" : e.challengerKind(),
                        f1(e.challenger()),
                        f1(e.champion()),
                        e.challenger() == null
                                ? "-"
                                : String.format(
                                        Locale.ROOT, "%.4f", e.challenger().accuracy()),
                        l == null ? "-" : String.format(Locale.ROOT, "%.4f (%d)", l.accuracy(), l.pairs()),
                        e.trainingExamples(),
                        e.window().stream().mapToLong(WindowRange::count).sum(),
                        TIME.format(Instant.ofEpochMilli(e.createdAtMillis())),
                        e.reason());
            }
            System.out.println("kind: the challenger that made the version (head-only, or finetune-<mode> for a tuned"
                    + " encoder); trained: examples it was trained on; new ex.: examples no earlier version covered");
            if (c.events().stream().anyMatch(e -> c.liveMetrics(e.version()).isPresent())) {
                System.out.println(
                        "accuracy: on the holdout at training; live acc.: on the last joined late labels (monitor service)");
            }
            c.latest()
                    .ifPresent(a ->
                            System.out.println("newest published: v" + a.meta().version()));
            return 0;
        }
    }

    @Command(
            name = "show",
            mixinStandardHelpOptions = true,
            description = "One version in full: metrics per label, training window, lineage.")
    static final class Show implements Callable<Integer> {
        @Mixin
        TaskOptions opts;

        @Option(names = "--version", paramLabel = "V", description = "version (default: the newest)")
        Long version;

        @Override
        public Integer call() throws Exception {
            ModelCatalog c = opts.catalog();
            ModelArtifact a = (version == null ? c.latest() : c.artifact(version)).orElse(null);
            if (a == null) {
                System.err.println("error: task " + opts.task + " has no published version"
                        + (version == null ? "" : " " + version));
                return 1;
            }
            ModelVersion m = a.meta();
            System.out.println("task:      " + m.task());
            System.out.println("version:   v" + m.version()
                    + (m.parentVersion() == null ? "" : " (parent v" + m.parentVersion() + ")")
                    + (m.note() == null ? "" : " - " + m.note()));
            System.out.println("created:   " + TIME.format(Instant.ofEpochMilli(m.createdAtMillis())) + " UTC");
            System.out.println("encoder:   " + m.encoderId() + " (base sha256 "
                    + m.encoderChecksum().substring(0, 12) + "...)");
            WeightsRef tuned = a.backbone() == null ? null : a.backbone().weights();
            if (tuned != null) {
                System.out.println("weights:   " + tuned.format().wireName() + ", sha256 "
                        + tuned.sha256().substring(0, 12)
                        + "..., " + tuned.sizeBytes() + " bytes "
                        + (tuned.isInline() ? "in the model record" : "at " + tuned.uri())
                        + "; served as " + a.backbone().key());
            }
            c.events().stream()
                    .filter(e -> e.version() == m.version())
                    .findFirst()
                    .ifPresent(e -> System.out.println("trained:   "
                            + (e.challengerKind() == null ? "" : e.challengerKind() + " challenger, ")
                            + e.trainingExamples() + " examples, holdout " + e.holdoutExamples() + ", "
                            + e.trainingMillis() + " ms" + (e.device() == null ? "" : " on " + e.device())
                            + (e.trigger() == null ? "" : "; trigger " + e.trigger())));
            System.out.println("head:      " + a.head().kind() + " " + a.head().inputDimension() + " -> "
                    + a.head().outputDimension());
            System.out.println("labels:    " + m.labels());
            System.out.println("checksum:  " + a.payloadSha256());
            ModelMetrics mm = m.metrics();
            if (mm != null) {
                System.out.printf(
                        Locale.ROOT,
                        "holdout:   macro-F1 %.4f, accuracy %.4f on %d examples%n",
                        mm.macroF1(),
                        mm.accuracy(),
                        mm.holdoutSize());
                System.out.println("F1:        "
                        + mm.f1PerLabel().entrySet().stream()
                                .map(e -> String.format(Locale.ROOT, "%s %.3f", e.getKey(), e.getValue()))
                                .collect(Collectors.joining(", ")));
            }
            System.out.println("window:    "
                    + (m.window().isEmpty()
                            ? "(no new examples: an earlier version covers every example it was trained on)"
                            : m.window().stream()
                                    .map(w -> w.topic() + "-" + w.partition() + " [" + w.fromOffset() + ".."
                                            + w.toOffset() + "] " + w.count() + " examples")
                                    .collect(Collectors.joining("; "))));
            return 0;
        }
    }

    @Command(
            name = "rollback",
            mixinStandardHelpOptions = true,
            description = {
                "Publishes version V's artifact as a new version (newest + 1, parent = newest), with an audit record,",
                "so history stays monotonic. The scorer swaps to it; a running trainer gates later challengers against it."
            })
    static final class Rollback implements Callable<Integer> {
        @Mixin
        TaskOptions opts;

        @Option(names = "--to", required = true, paramLabel = "V", description = "the version to bring back")
        long to;

        @Override
        public Integer call() throws Exception {
            ModelCatalog c = opts.catalog();
            try {
                ModelArtifact rolled = c.rollback(KafkaClients.of(opts.kafka.load()), to);
                System.out.println(
                        "published " + opts.task + " v" + rolled.meta().version() + " = v" + to + "'s model (parent v"
                                + rolled.meta().parentVersion() + ")");
                return 0;
            } catch (IllegalArgumentException e) {
                System.err.println("error: " + e.getMessage());
                return 1;
            }
        }
    }

    private static String f1(ModelMetrics m) {
        return m == null ? "-" : String.format(Locale.ROOT, "%.4f", m.macroF1());
    }
}
