package io.streamtune.cli;

import java.util.ArrayList;
import java.util.List;

import io.streamtune.common.config.ArtifactSettings;
import io.streamtune.common.config.CnnSettings;
import io.streamtune.common.config.FinetuneSettings;
import io.streamtune.common.config.ImageSettings;
import io.streamtune.common.config.Limits;
import io.streamtune.common.config.MonitorPolicy;
import io.streamtune.common.config.Setting;
import io.streamtune.common.config.StreamtuneConfig;
import io.streamtune.common.logging.ServiceLogging;
import io.streamtune.monitor.MonitorSettings;
import io.streamtune.scoring.ScoringSettings;
import io.streamtune.trainer.TrainerSettings;

/**
 * Every section of the configuration file with its declared {@link Setting}s, the source of
 * {@code streamtune config docs}. A module that declares settings adds one {@link Section} line to
 * {@link #SECTIONS}; {@code ConfigDocsTest} fails while a declared setting is missing here.
 */
public final class SettingsCatalog {

    /**
     * One section of the file.
     *
     * @param prefix how its keys are written from the top of the file ({@code trainer.}, {@code tasks[].})
     * @param doc    one line on what the section is
     */
    public record Section(String prefix, String doc, List<Setting<?>> settings) {}

    /** An environment variable that configures streamtune outside the file. */
    public record Variable(String name, String doc) {}

    public static final List<Section> SECTIONS = List.of(
            new Section("topics.", "layout of the topics streamtune creates", StreamtuneConfig.TOPIC_SETTINGS),
            new Section(
                    "limits.", "record size limits, the same for produce, the trainer and the scorer", Limits.SETTINGS),
            new Section(
                    "artifacts.",
                    "weights too large for a model record (full fine-tuning), shared by trainer and scorers",
                    ArtifactSettings.SETTINGS),
            new Section(
                    "tasks[].",
                    "one entry per task; only name and labels are required",
                    StreamtuneConfig.TASK_SETTINGS),
            new Section(
                    "tasks[].",
                    "a task's monitoring: surge alerts, live accuracy, drift (monitor service)",
                    MonitorPolicy.SETTINGS),
            new Section(
                    "tasks[].",
                    "a task's encoder fine-tuning (trainer; finetune.mode none keeps the encoder frozen)",
                    FinetuneSettings.ALL),
            new Section("tasks[].", "an image task's input (modality: image)", ImageSettings.ALL),
            new Section("tasks[].", "an image task's CNN, trained on each window (modality: image)", CnnSettings.ALL),
            new Section("trainer.", "the trainer service", TrainerSettings.ALL),
            new Section("scoring.", "the scoring service", scoring()),
            new Section("monitoring.", "the monitor service", MonitorSettings.SETTINGS));

    public static final List<Variable> ENVIRONMENT = List.of(
            new Variable("STREAMTUNE_BOOTSTRAP_SERVERS", "kafka.bootstrap.servers (a --bootstrap flag still wins)"),
            new Variable(
                    "STREAMTUNE_KAFKA_<KEY>",
                    "kafka.<key> for every Kafka client: _ is '.', __ is '_', ___ is '-' "
                            + "(STREAMTUNE_KAFKA_SASL_JAAS_CONFIG is sasl.jaas.config)"),
            new Variable(ArtifactSettings.DIR_ENV, "artifacts.dir (the shared directory of large fine-tuned weights)"),
            new Variable(
                    ServiceLogging.FORMAT_ENV,
                    "text (default): human log lines; json: one JSON object per line, for log shippers"),
            new Variable(ServiceLogging.LEVEL_ENV, "level of streamtune's own loggers (default INFO)"),
            new Variable(
                    ServiceLogging.KAFKA_LEVEL_ENV,
                    "level of Kafka's loggers (default WARN); client configuration dumps need DEBUG"));

    private SettingsCatalog() {}

    private static List<Setting<?>> scoring() {
        List<Setting<?>> all = new ArrayList<>(ScoringSettings.SETTINGS);
        all.add(ScoringSettings.pin("<task>"));
        return List.copyOf(all);
    }

    /** The text {@code streamtune config docs} prints: one table per section, then the environment. */
    public static String docs() {
        StringBuilder out = new StringBuilder();
        out.append("kafka.<key>  (any Kafka client setting, passed to every client: bootstrap.servers,"
                + " security.protocol, sasl.*, ssl.*)\n\n");
        for (Section s : SECTIONS) {
            out.append(s.prefix()).append("  (").append(s.doc()).append(")\n");
            out.append(String.format("  %-34s %-24s %-20s %-28s %s%n", "key", "type", "default", "valid", "meaning"));
            for (Setting<?> setting : s.settings()) {
                out.append(String.format(
                        "  %-34s %-24s %-20s %-28s %s%n",
                        s.prefix() + setting.key(),
                        setting.type(),
                        setting.defaultText(),
                        setting.constraint(),
                        setting.doc()));
            }
            out.append('\n');
        }
        out.append("environment\n");
        for (Variable v : ENVIRONMENT) {
            out.append(String.format("  %-34s %s%n", v.name(), v.doc()));
        }
        return out.toString();
    }
}
