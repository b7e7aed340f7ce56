package io.streamtune.monitor.topology;

import java.util.List;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.processor.TopicNameExtractor;
import org.apache.kafka.streams.state.Stores;

import io.streamtune.common.config.StreamtuneConfig;
import io.streamtune.common.config.TaskConfig;
import io.streamtune.common.model.RecordType;
import io.streamtune.common.topic.TaskTopics;
import io.streamtune.monitor.alert.SurgeProcessor;
import io.streamtune.monitor.live.LabelJoinProcessor;
import io.streamtune.monitor.metrics.MonitorMetrics;
import io.streamtune.monitor.observation.Observation;

/**
 * The monitoring topology, built without side effects (tests build the same one). Per monitored
 * task T (one whose {@code monitor.alertLabel} is set):
 *
 * <pre>
 * T.predictions -> T-predictions -> T-parse-predictions
 *     |-> (has entity) T-key-by-entity -> [T-by-entity] -> T-surge {T-entities, T-entity-index, T-surge-clock} -> T.alerts
 *     |-> T-key-by-id -> [T-predictions-by-id] --.
 * T.examples -> T-examples -> T-parse-labels      +-> T-join {T-join-predictions, T-join-labels}
 *     -> [T-labels-by-id] -----------------------'      -> T-pairs-key -> [T-pairs-by-task] --.
 *     '-> T-key-by-task -> [T-predictions-by-task] -------------------------------------------+-> T-stats {T-accuracy, T-drift}
 *                                  DRIFT -> T.alerts; live-metrics -> streamtune.model-events
 * </pre>
 * {@code [name]} is a repartition topic ({@code <applicationId>-name-repartition}), {@code {..}} the
 * changelogged stores of a processor. The by-id topics have {@code topics.partitions} partitions
 * (so labels and predictions of an id meet in one task); the by-task topics have one (task-wide
 * statistics in one place). Every internal name is explicit, so none changes silently.
 */
public final class MonitorTopology {
    /** The names of one task's nodes, repartition topics and stores. */
    public record Names(String task) {
        public String predictionsSource() {
            return task + "-predictions";
        }

        public String examplesSource() {
            return task + "-examples";
        }

        public String byEntity() {
            return task + "-by-entity";
        }

        public String predictionsById() {
            return task + "-predictions-by-id";
        }

        public String labelsById() {
            return task + "-labels-by-id";
        }

        public String predictionsByTask() {
            return task + "-predictions-by-task";
        }

        public String pairsByTask() {
            return task + "-pairs-by-task";
        }

        public String surge() {
            return task + "-surge";
        }

        public String entityStore() {
            return task + "-entities";
        }

        public String entityIndexStore() {
            return task + "-entity-index";
        }

        public String surgeClockStore() {
            return task + "-surge-clock";
        }

        public String join() {
            return task + "-join";
        }

        public String joinPredictionStore() {
            return task + "-join-predictions";
        }

        public String joinLabelStore() {
            return task + "-join-labels";
        }

        public String stats() {
            return task + "-stats";
        }

        public String accuracyStore() {
            return task + "-accuracy";
        }

        public String driftStore() {
            return task + "-drift";
        }

        /** Every store, for tests that look inside. */
        public List<String> stores() {
            return List.of(
                    entityStore(),
                    entityIndexStore(),
                    surgeClockStore(),
                    joinPredictionStore(),
                    joinLabelStore(),
                    accuracyStore(),
                    driftStore());
        }
    }

    private MonitorTopology() {}

    /** The monitored tasks of a configuration. */
    public static List<TaskConfig> monitoredTasks(StreamtuneConfig config) {
        return config.tasks().values().stream()
                .filter(t -> t.monitor().active())
                .sorted((a, b) -> a.name().compareTo(b.name()))
                .toList();
    }

    public static Topology build(
            StreamtuneConfig config, java.time.Duration liveMetricsInterval, MonitorMetrics metrics) {
        StreamsBuilder b = new StreamsBuilder();
        for (TaskConfig task : monitoredTasks(config)) {
            addTask(b, task, config.partitions(), liveMetricsInterval, metrics);
        }
        return b.build();
    }

    private static void addTask(
            StreamsBuilder b,
            TaskConfig task,
            int partitions,
            java.time.Duration liveMetricsInterval,
            MonitorMetrics metrics) {
        Names n = new Names(task.name());
        TaskTopics topics = task.topics();
        var observations = Observation.serde();

        // Stores: the entity state and its index are bounded by monitor.maxEntities, the join stores by time, the
        // statistics by MAX_VERSIONS; all are changelogged, and cached so the changelog gets the last value per commit.
        b.addStateStore(Stores.keyValueStoreBuilder(
                        Stores.inMemoryKeyValueStore(n.entityStore()), Serdes.String(), Serdes.ByteArray())
                .withCachingEnabled());
        b.addStateStore(Stores.keyValueStoreBuilder(
                        Stores.inMemoryKeyValueStore(n.entityIndexStore()), Serdes.Bytes(), Serdes.ByteArray())
                .withCachingEnabled());
        b.addStateStore(Stores.keyValueStoreBuilder(
                        Stores.inMemoryKeyValueStore(n.surgeClockStore()), Serdes.String(), Serdes.Long())
                .withCachingEnabled());
        b.addStateStore(Stores.windowStoreBuilder(
                Stores.persistentWindowStore(
                        n.joinPredictionStore(),
                        LabelJoinProcessor.retention(task),
                        task.monitor().labelJoinWindow(),
                        false),
                Serdes.String(),
                Serdes.ByteArray()));
        b.addStateStore(Stores.windowStoreBuilder(
                Stores.persistentWindowStore(
                        n.joinLabelStore(),
                        LabelJoinProcessor.retention(task),
                        task.monitor().labelJoinWindow(),
                        false),
                Serdes.String(),
                Serdes.ByteArray()));
        b.addStateStore(Stores.keyValueStoreBuilder(
                        Stores.inMemoryKeyValueStore(n.accuracyStore()), Serdes.Long(), Serdes.ByteArray())
                .withCachingEnabled());
        b.addStateStore(Stores.keyValueStoreBuilder(
                        Stores.inMemoryKeyValueStore(n.driftStore()), Serdes.String(), Serdes.ByteArray())
                .withCachingEnabled());

        KStream<byte[], Observation> predictions = b.stream(
                        topics.predictions(),
                        Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName(n.predictionsSource()))
                .process(() -> new PredictionParser(task, metrics), Named.as(task.name() + "-parse-predictions"));

        predictions
                .filter((k, v) -> v.entity() != null, Named.as(task.name() + "-has-entity"))
                .selectKey((k, v) -> v.entity(), Named.as(task.name() + "-key-by-entity"))
                .repartition(Repartitioned.<String, Observation>as(n.byEntity())
                        .withKeySerde(Serdes.String())
                        .withValueSerde(observations))
                .process(
                        () -> new SurgeProcessor(
                                task, metrics, n.entityStore(), n.entityIndexStore(), n.surgeClockStore()),
                        Named.as(n.surge()),
                        n.entityStore(),
                        n.entityIndexStore(),
                        n.surgeClockStore())
                .to(
                        topics.alerts(),
                        Produced.with(Serdes.String(), Serdes.ByteArray()).withName(task.name() + "-surge-alerts"));

        KStream<String, Observation> predictionsById = predictions
                .selectKey((k, v) -> v.id(), Named.as(task.name() + "-key-by-id"))
                .repartition(Repartitioned.<String, Observation>as(n.predictionsById())
                        .withKeySerde(Serdes.String())
                        .withValueSerde(observations)
                        .withNumberOfPartitions(partitions));
        KStream<String, Observation> labelsById = b.stream(
                        topics.examples(),
                        Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName(n.examplesSource()))
                .process(() -> new LabelParser(task, metrics), Named.as(task.name() + "-parse-labels"))
                .repartition(Repartitioned.<String, Observation>as(n.labelsById())
                        .withKeySerde(Serdes.String())
                        .withValueSerde(observations)
                        .withNumberOfPartitions(partitions));
        KStream<String, Observation> pairs = predictionsById
                .merge(labelsById, Named.as(task.name() + "-join-inputs"))
                .process(
                        () -> new LabelJoinProcessor(task, metrics, n.joinPredictionStore(), n.joinLabelStore()),
                        Named.as(n.join()),
                        n.joinPredictionStore(),
                        n.joinLabelStore())
                .repartition(Repartitioned.<String, Observation>as(n.pairsByTask())
                        .withKeySerde(Serdes.String())
                        .withValueSerde(observations)
                        .withNumberOfPartitions(1));

        KStream<String, Observation> predictionsByTask = predictions
                .map(
                        (k, v) -> org.apache.kafka.streams.KeyValue.pair(
                                task.name(),
                                Observation.prediction(
                                        null, null, v.label(), v.confidence(), v.version(), v.eventTime())),
                        Named.as(task.name() + "-key-by-task"))
                .repartition(Repartitioned.<String, Observation>as(n.predictionsByTask())
                        .withKeySerde(Serdes.String())
                        .withValueSerde(observations)
                        .withNumberOfPartitions(1));

        TopicNameExtractor<String, byte[]> route = (key, value, ctx) ->
                RecordType.of(ctx.headers()) == RecordType.LIVE_METRICS ? TaskTopics.MODEL_EVENTS : topics.alerts();
        predictionsByTask
                .merge(pairs, Named.as(task.name() + "-stats-inputs"))
                .process(
                        () -> new TaskStatsProcessor(
                                task, metrics, n.accuracyStore(), n.driftStore(), liveMetricsInterval.toMillis()),
                        Named.as(n.stats()),
                        n.accuracyStore(),
                        n.driftStore())
                .to(route, Produced.with(Serdes.String(), Serdes.ByteArray()).withName(task.name() + "-stats-out"));
    }
}
