package io.streamtune.scoring.topology;

import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.streamtune.common.config.StreamtuneConfig;
import io.streamtune.common.config.TaskConfig;
import io.streamtune.common.event.ImageValidation;
import io.streamtune.common.event.RecordParser;
import io.streamtune.common.topic.TaskTopics;
import io.streamtune.scoring.model.ModelRegistry;
import io.streamtune.scoring.model.ScoreCache;
import io.streamtune.scoring.monitor.ScoringMetrics;

/**
 * The scoring topology, built without side effects (tests build the same one).
 *
 * <pre>
 * streamtune.models --> models-source --> models-processor --> [global store streamtune-models]
 *                                                      '--> ModelRegistry.offer (loads off-thread)
 * per task T (text or image):
 * T.events --> events-T --> scorer-T [stores scorer-T-buffer, scorer-T-served-version] --> predictions-T --> T.predictions
 *                                    '--> dlq-T --> T.dlq
 * </pre>
 *
 * <pre>{@code
 * Topology t = ScoringTopology.build(config, settings.batchPolicy(), registry, metrics, workers);
 * }</pre>
 */
public final class ScoringTopology {
    private static final Logger log = LoggerFactory.getLogger(ScoringTopology.class);

    public static final String MODEL_STORE = "streamtune-models";
    public static final String MODEL_SOURCE = "models-source";
    public static final String MODEL_PROCESSOR = "models-processor";

    /** The names of one task's nodes and stores. */
    public record Names(String task) {
        public String source() {
            return "events-" + task;
        }

        public String scorer() {
            return "scorer-" + task;
        }

        public String bufferStore() {
            return "scorer-" + task + "-buffer";
        }

        public String servedVersionStore() {
            return "scorer-" + task + "-served-version";
        }

        public String predictionsSink() {
            return "predictions-" + task;
        }

        public String dlqSink() {
            return "dlq-" + task;
        }
    }

    /**
     * How events are batched and held.
     *
     * @param size events per model call; a batch is cut as soon as it is full
     * @param maxWait a partly filled batch is cut when its oldest event has waited this long (wall clock)
     * @param holdMaxEvents events held per partition while no version may serve them; more go to the DLQ (NO_MODEL)
     * @param maxTokens tokens per model call (special tokens included, after truncation), like
     *     text-embeddings-inference's max batch tokens: a batch is also full when its next event would take it
     *     over this; 0 cuts by count only. A single event over the budget is a batch of its own.
     * @param waitPolicy when a partly filled batch goes ({@link BatchWait})
     * @param cacheEntries recent (version, input) scores kept by the service ({@link io.streamtune.scoring.model.ScoreCache}); 0: none
     */
    public record BatchPolicy(
            int size,
            java.time.Duration maxWait,
            int holdMaxEvents,
            int maxTokens,
            BatchWait waitPolicy,
            int cacheEntries) {
        /** Cut by count, waiting up to maxWait, no cache: the policy before token budgets and adaptive waits. */
        public BatchPolicy(int size, java.time.Duration maxWait, int holdMaxEvents) {
            this(size, maxWait, holdMaxEvents, 0, BatchWait.FIXED, 0);
        }

        /**
         * How many of {@code available} waiting events, oldest first, the next batch takes: at least one,
         * at most {@link #size()}, and no more than fit {@link #maxTokens()} (when it is above 0). The scorer
         * cuts its batches by this rule, and {@code bench scoring} its encoder-alone baseline.
         *
         * @param tokensAt tokens of the i-th waiting event; asked only for events that may be taken
         */
        public int cut(java.util.function.IntUnaryOperator tokensAt, int available) {
            int n = Math.min(size, available);
            if (maxTokens <= 0 || n <= 1) {
                return n;
            }
            long sum = tokensAt.applyAsInt(0);
            for (int i = 1; i < n; i++) {
                sum += tokensAt.applyAsInt(i);
                if (sum > maxTokens) {
                    return i;
                }
            }
            return n;
        }
    }

    private ScoringTopology() {}

    /** The tasks this scorer scores: every configured task, text or image. */
    public static java.util.List<TaskConfig> scoredTasks(StreamtuneConfig config) {
        return java.util.List.copyOf(config.tasks().values());
    }

    public static Topology build(
            StreamtuneConfig config,
            BatchPolicy batch,
            ModelRegistry models,
            ScoringMetrics metrics,
            ScoringWorkers workers) {
        return build(config, batch, models, metrics, workers, new SinkCapacity(config.limits()));
    }

    /**
     * As {@link #build(StreamtuneConfig, BatchPolicy, ModelRegistry, ScoringMetrics, ScoringWorkers)}, with the
     * {@link SinkCapacity} the service shares with its production exception handler.
     */
    public static Topology build(
            StreamtuneConfig config,
            BatchPolicy batch,
            ModelRegistry models,
            ScoringMetrics metrics,
            ScoringWorkers workers,
            SinkCapacity capacity) {
        Topology t = new Topology();
        // Global stores have no changelog of their own: the compacted topic is their log.
        t.addGlobalStore(
                Stores.keyValueStoreBuilder(
                                Stores.inMemoryKeyValueStore(MODEL_STORE), Serdes.String(), Serdes.ByteArray())
                        .withLoggingDisabled(),
                MODEL_SOURCE,
                new StringDeserializer(),
                new ByteArrayDeserializer(),
                TaskTopics.MODELS,
                MODEL_PROCESSOR,
                () -> new ModelUpdateProcessor(MODEL_STORE, models));
        // Header checks only on the stream thread: the encoder worker decodes each picture once, and dead-letters
        // one that fails then (IMAGE_UNDECODABLE) through the batch's outcome.
        RecordParser parser = RecordParser.of(config, ImageValidation.HEADER);
        ScoreCache cache = new ScoreCache(batch.cacheEntries());
        for (TaskConfig task : config.tasks().values()) {
            Names n = new Names(task.name());
            TaskTopics topics = task.topics();
            t.addSource(n.source(), new ByteArrayDeserializer(), new ByteArrayDeserializer(), topics.events());
            t.addProcessor(
                    n.scorer(),
                    () -> new ScoringProcessor(task, parser, models, metrics, workers, batch, cache, n, capacity),
                    n.source());
            // In memory with a changelog: the buffer is small and bounded, and restores from its changelog.
            t.addStateStore(
                    Stores.keyValueStoreBuilder(
                            Stores.inMemoryKeyValueStore(n.bufferStore()), Serdes.Long(), BufferedEvent.serde()),
                    n.scorer());
            // The last version used and the input progress (ScoringProcessor); cached, so the progress, written per
            // record, reaches the changelog once per commit, in the commit's transaction. Persistent (RocksDB), and the
            // only persistent store: Kafka Streams keeps its process id in the state directory only when the topology
            // has one, and under exactly_once_v2 the process id is part of each thread's transactional id. With a
            // random id per start, a scorer restarted after kill -9 could not fence its dead predecessor, whose open
            // transaction (and its pending offset commits) then held the partitions until the transaction timed out,
            // 7-14 s of REBALANCING after a restart.
            t.addStateStore(
                    Stores.keyValueStoreBuilder(
                                    Stores.persistentKeyValueStore(n.servedVersionStore()),
                                    Serdes.String(),
                                    Serdes.Long())
                            .withCachingEnabled(),
                    n.scorer());
            t.addSink(
                    n.predictionsSink(),
                    topics.predictions(),
                    new ByteArraySerializer(),
                    new ByteArraySerializer(),
                    n.scorer());
            t.addSink(n.dlqSink(), topics.dlq(), new ByteArraySerializer(), new ByteArraySerializer(), n.scorer());
        }
        return t;
    }
}
