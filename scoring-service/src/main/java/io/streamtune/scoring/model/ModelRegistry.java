package io.streamtune.scoring.model;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.streamtune.common.config.TaskConfig;
import io.streamtune.common.model.ArtifactChecks;
import io.streamtune.common.model.ArtifactException;
import io.streamtune.common.model.Classification;
import io.streamtune.common.model.Classifier;
import io.streamtune.common.model.ModelArtifact;
import io.streamtune.common.nlp.EncoderException;
import io.streamtune.common.nlp.TextEncoder;
import io.streamtune.scoring.monitor.ScoringMetrics;

/**
 * The model version in service per task, and the path a new version takes to get there.
 *
 * <p>{@link #offer} is called with the bytes of a record from {@code streamtune.models} (by the
 * global-store processor). It returns at once; on the loader executor, off every stream thread,
 * the newest offered bytes of the task are parsed (format, checksum), checked against the task
 * (label set) and the shared encoder (id, checksum, dimension), loaded and warmed up, and only
 * then swapped in with one atomic reference write. Offers that arrive while a load runs are
 * coalesced: only the newest is loaded next.
 *
 * <p>Rules: without a pin only a higher version replaces the champion, so the served version
 * never goes backwards; with a pin ({@code scoring.pin.<task>}) only that version is served. A
 * version that fails a check is reported (WARN log naming task, version and reason; metric
 * {@value ScoringMetrics#REJECTED}) and the champion stays.
 *
 * <pre>{@code
 * ModelRegistry models = new ModelRegistry(config.tasks(), settings.pins(), encoders, null, metrics);
 * models.offer("reviews", recordValue);
 * ModelHandle h = models.acquire("reviews");
 * if (h != null) try { ... } finally { h.release(); }
 * }</pre>
 */
public final class ModelRegistry implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ModelRegistry.class);
    static final String WARM_UP_TEXT = "The delivery was quick and the product works as described.";

    /** Why a version was refused beyond {@link ArtifactException.Reason}: bounded tag values. */
    public static final String ENCODER_UNAVAILABLE = "ENCODER_UNAVAILABLE";
    public static final String LOAD_FAILED = "LOAD_FAILED";
    public static final String WARMUP_FAILED = "WARMUP_FAILED";

    private record Offer(byte[] bytes, long receivedNanos) {
    }

    /** What the health endpoint shows about a rejected version. */
    public record Rejection(long version, String reason, String message, long atMillis) {
    }

    private final Map<String, TaskConfig> tasks;
    private final Map<String, Long> pins;
    private final EncoderPool encoders;
    private final Executor loader;
    private final ExecutorService ownedLoader;
    private final ScoringMetrics metrics;
    private final Map<String, AtomicReference<ModelHandle>> champions = new ConcurrentHashMap<>();
    private final Map<String, AtomicReference<Offer>> pending = new ConcurrentHashMap<>();
    private final Map<String, Rejection> lastRejection = new ConcurrentHashMap<>();
    private final Object idle = new Object();
    private int inFlight;
    private volatile boolean closed;

    /**
     * @param loader where loads run; null: a single daemon thread owned by the registry. Tests
     *               with TopologyTestDriver pass {@code Runnable::run} so a model record is in
     *               service as soon as it is piped.
     */
    public ModelRegistry(Map<String, TaskConfig> tasks, Map<String, Long> pins, EncoderPool encoders, Executor loader,
                         ScoringMetrics metrics) {
        this.tasks = Map.copyOf(tasks);
        this.pins = Map.copyOf(pins);
        this.encoders = encoders;
        this.metrics = metrics;
        if (loader == null) {
            this.ownedLoader = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "scoring-model-loader");
                t.setDaemon(true);
                return t;
            });
            this.loader = ownedLoader;
        } else {
            this.ownedLoader = null;
            this.loader = loader;
        }
        for (String task : this.tasks.keySet()) {
            champions.put(task, new AtomicReference<>());
            pending.put(task, new AtomicReference<>());
        }
    }

    /** Hands the registry a model record's value; returns at once. Records of unknown tasks are ignored. */
    public void offer(String task, byte[] artifactBytes) {
        AtomicReference<Offer> slot = pending.get(task);
        if (slot == null || artifactBytes == null || closed) {
            if (slot == null) {
                log.debug("[scoring] ignoring a model record for task '{}', which this service does not score", task);
            }
            return;
        }
        slot.set(new Offer(artifactBytes, System.nanoTime()));
        synchronized (idle) {
            inFlight++;
        }
        try {
            loader.execute(() -> {
                try {
                    drain(task);
                } finally {
                    synchronized (idle) {
                        inFlight--;
                        idle.notifyAll();
                    }
                }
            });
        } catch (RuntimeException e) {
            synchronized (idle) {
                inFlight--;
                idle.notifyAll();
            }
            log.warn("[scoring task={}] cannot schedule a model load: {}", task, e.toString());
        }
    }

    /** Waits until every offered record has been loaded or refused; for tests and orderly starts. */
    public boolean awaitIdle(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (idle) {
            while (inFlight > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(idle, left);
            }
        }
        return true;
    }

    /**
     * The champion of {@code task} with one more reference, or null while none is in service.
     * The caller must {@link ModelHandle#release()} it.
     */
    public ModelHandle acquire(String task) {
        AtomicReference<ModelHandle> ref = champions.get(task);
        if (ref == null) {
            return null;
        }
        for (;;) {
            ModelHandle h = ref.get();
            if (h == null || h.tryRetain()) {
                return h;
            }
            // h lost its last reference to a swap between get() and tryRetain(): read again.
        }
    }

    public OptionalLong servedVersion(String task) {
        AtomicReference<ModelHandle> ref = champions.get(task);
        ModelHandle h = ref == null ? null : ref.get();
        return h == null ? OptionalLong.empty() : OptionalLong.of(h.version());
    }

    /** The pinned version of a task, if an operator pinned one. */
    public OptionalLong pin(String task) {
        Long p = pins.get(task);
        return p == null ? OptionalLong.empty() : OptionalLong.of(p);
    }

    /** Per task: version in service, since when, pin and the last refusal; for /health. */
    public Map<String, Object> describe() {
        Map<String, Object> out = new LinkedHashMap<>();
        for (String task : tasks.keySet()) {
            Map<String, Object> t = new LinkedHashMap<>();
            ModelHandle h = champions.get(task).get();
            t.put("version", h == null ? null : h.version());
            t.put("servedSinceMillis", h == null ? null : h.servedSinceMillis());
            t.put("createdAtMillis", h == null ? null : h.meta().createdAtMillis());
            t.put("pinned", pins.get(task));
            Rejection r = lastRejection.get(task);
            t.put("lastRejected", r);
            out.put(task, t);
        }
        return out;
    }

    public Rejection lastRejection(String task) {
        return lastRejection.get(task);
    }

    private synchronized void drain(String task) {
        Offer offer = pending.get(task).getAndSet(null);
        if (offer == null || closed) {
            return; // coalesced into an earlier load
        }
        ModelArtifact artifact;
        try {
            artifact = ModelArtifact.parse(offer.bytes());
        } catch (ArtifactException e) {
            reject(task, -1, e.reason().name(), e.getMessage());
            return;
        }
        long version = artifact.meta().version();
        AtomicReference<ModelHandle> ref = champions.get(task);
        ModelHandle current = ref.get();
        Long pinned = pins.get(task);
        if (pinned != null && version != pinned) {
            log.info("[scoring task={} version={}] not served: the task is pinned to version {}", task, version, pinned);
            return;
        }
        if (current != null && (version == current.version() || (pinned == null && version < current.version()))) {
            log.info("[scoring task={} version={}] not served: version {} is in service and versions only move forward",
                    task, version, current.version());
            return;
        }
        TaskConfig tc = tasks.get(task);
        TextEncoder encoder;
        try {
            encoder = encoders.get(tc.encoder(), tc.maxSequenceLength());
        } catch (EncoderException | RuntimeException e) {
            reject(task, version, ENCODER_UNAVAILABLE, "encoder " + tc.encoder() + " cannot be opened: " + e.getMessage());
            return;
        }
        Classifier classifier;
        try {
            ArtifactChecks.checkCompatible(artifact, task, tc.labels(), encoder);
            classifier = Classifier.load(artifact, encoder);
        } catch (ArtifactException e) {
            reject(task, version, e.reason().name(), e.getMessage());
            return;
        } catch (RuntimeException e) {
            reject(task, version, LOAD_FAILED, e.toString());
            return;
        }
        try {
            // The first call pays for lazy native initialisation; do it here, not under a batch.
            List<Classification> warm = classifier.classify(List.of(WARM_UP_TEXT));
            if (warm.size() != 1 || warm.get(0).scores().values().stream().anyMatch(p -> !Double.isFinite(p))) {
                classifier.close();
                reject(task, version, WARMUP_FAILED, "warm-up gave no finite scores: " + warm);
                return;
            }
        } catch (RuntimeException e) {
            classifier.close();
            reject(task, version, WARMUP_FAILED, e.toString());
            return;
        }
        ModelHandle next = new ModelHandle(classifier, System.currentTimeMillis());
        ModelHandle previous = ref.getAndSet(next);
        Duration took = Duration.ofNanos(System.nanoTime() - offer.receivedNanos());
        metrics.swapped(task, version, artifact.meta().createdAtMillis(), took);
        log.info("[scoring task={} version={}] in service (was {}), {} ms after the record arrived", task, version,
                previous == null ? "none" : "v" + previous.version(), took.toMillis());
        if (previous != null) {
            previous.release(); // closes it now, or when the last batch using it ends
        }
    }

    private void reject(String task, long version, String reason, String message) {
        ModelHandle champion = champions.get(task).get();
        log.warn("[scoring task={} version={}] model rejected ({}): {}; {} stays in service", task,
                version < 0 ? "?" : version, reason, message, champion == null ? "no version" : "v" + champion.version());
        lastRejection.put(task, new Rejection(version, reason, message, System.currentTimeMillis()));
        metrics.rejected(task, reason);
    }

    @Override
    public void close() {
        closed = true;
        if (ownedLoader != null) {
            ownedLoader.shutdownNow();
            try {
                ownedLoader.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (this) {
            for (AtomicReference<ModelHandle> ref : champions.values()) {
                ModelHandle h = ref.getAndSet(null);
                if (h != null) {
                    h.release();
                }
            }
        }
    }
}
