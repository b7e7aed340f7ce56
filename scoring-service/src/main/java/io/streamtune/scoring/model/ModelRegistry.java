package io.streamtune.scoring.model;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
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
import javax.imageio.ImageIO;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.streamtune.common.config.Modality;
import io.streamtune.common.config.TaskConfig;
import io.streamtune.common.model.ArtifactChecks;
import io.streamtune.common.model.ArtifactException;
import io.streamtune.common.model.Classification;
import io.streamtune.common.model.ModelArtifact;
import io.streamtune.common.model.ModelInput;
import io.streamtune.common.runtime.Backbones;
import io.streamtune.common.runtime.Classifier;
import io.streamtune.scoring.monitor.ScoringMetrics;

/**
 * The model version in service per task, and the path a new version takes to get there.
 *
 * <p>{@link #offer} is called with the bytes of a record from {@code streamtune.models} (by the
 * global-store processor). It returns at once; on the loader executor, off every stream thread,
 * the newest offered bytes of the task are parsed (format, checksum), checked against the task
 * (label set, backbone kind), opened on their backbone ({@link Classifier#open}: encoder checksum,
 * weights, head shape), warmed up, and only then swapped in with one atomic reference write. Offers
 * that arrive while a load runs are coalesced: only the newest is loaded next.
 *
 * <p>At start, {@link #seed} loads the newest valid version from the whole model history (the audit
 * log keeps every published artifact), so a garbage or older record last on the compacted topic
 * never decides what serves after a restart.
 *
 * <p>Which version may replace which is {@link ServingPolicy}'s rule: without a pin only a higher
 * version, with a pin ({@code scoring.pin.<task>}) only that version. A version that fails a check
 * is reported (WARN log naming task, version and reason; metric {@value ScoringMetrics#REJECTED};
 * {@code /health}) and the champion stays.
 *
 * <pre>{@code
 * ModelRegistry models = new ModelRegistry(config.tasks(), settings.pins(), backbones, null, metrics);
 * models.seed("reviews", history);          // at start
 * models.offer("reviews", recordValue);      // live
 * ModelHandle h = models.acquire("reviews");
 * if (h != null) try { ... } finally { h.release(); }
 * }</pre>
 */
public final class ModelRegistry implements ServedModels, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ModelRegistry.class);
    static final String WARM_UP_TEXT = "The delivery was quick and the product works as described.";

    /** Why a version was refused beyond {@link ArtifactException.Reason}: bounded tag values. */
    public static final String LOAD_FAILED = "LOAD_FAILED";

    public static final String WARMUP_FAILED = "WARMUP_FAILED";

    private record Offer(byte[] bytes, long receivedNanos) {}

    /** What the health endpoint shows about a rejected version. */
    public record Rejection(long version, String reason, String message, long atMillis) {}

    private final Map<String, TaskConfig> tasks;
    private final Map<String, Long> pins;
    private final Backbones backbones;
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
     * @param backbones where versions' backbones are opened (not owned)
     * @param loader where loads run; null: a single daemon thread owned by the registry. Tests
     *               with TopologyTestDriver pass {@code Runnable::run} so a model record is in
     *               service as soon as it is piped.
     */
    public ModelRegistry(
            Map<String, TaskConfig> tasks,
            Map<String, Long> pins,
            Backbones backbones,
            Executor loader,
            ScoringMetrics metrics) {
        this.tasks = Map.copyOf(tasks);
        this.pins = Map.copyOf(pins);
        this.backbones = backbones;
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

    /**
     * Puts the newest valid version of {@code task} among {@code candidates} in service (the pinned one, if
     * the task is pinned), trying lower versions when a higher one fails its checks; on the caller's
     * thread. At start: candidates are every published artifact of the model history.
     *
     * @return the version now in service, or empty when none of the candidates can serve
     */
    public synchronized OptionalLong seed(String task, List<ModelArtifact> candidates) {
        List<ModelArtifact> newestFirst = candidates.stream()
                .sorted(java.util.Comparator.comparingLong(
                                (ModelArtifact a) -> a.meta().version())
                        .reversed())
                .toList();
        for (ModelArtifact a : newestFirst) {
            if (!ServingPolicy.mayReplace(a.meta().version(), servedVersion(task), pin(task))) {
                continue;
            }
            if (install(task, a, System.nanoTime())) {
                break;
            }
        }
        return servedVersion(task);
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
    @Override
    public ModelHandle acquire(String task) {
        AtomicReference<ModelHandle> ref = champions.get(task);
        if (ref == null) {
            return null;
        }
        for (; ; ) {
            ModelHandle h = ref.get();
            if (h == null || h.tryRetain()) {
                return h;
            }
            // h lost its last reference to a swap between get() and tryRetain(): read again.
        }
    }

    @Override
    public OptionalLong servedVersion(String task) {
        AtomicReference<ModelHandle> ref = champions.get(task);
        ModelHandle h = ref == null ? null : ref.get();
        return h == null ? OptionalLong.empty() : OptionalLong.of(h.version());
    }

    /** The pinned version of a task, if an operator pinned one. */
    @Override
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
        if (!ServingPolicy.mayReplace(version, servedVersion(task), pin(task))) {
            if (servedVersion(task).orElse(-1) == version) {
                // The version in service offered again (the model store restored at a start): nothing to do.
                log.debug("[scoring task={} version={}] already in service", task, version);
                return;
            }
            if (pin(task).isEmpty() && version < servedVersion(task).orElse(0)) {
                // An older version arriving after a newer one (a store restored at a start, a late record): routine.
                log.debug("[scoring task={} version={}] older than the version in service: not served", task, version);
                return;
            }
            log.info(
                    "[scoring task={} version={}] not served: {}",
                    task,
                    version,
                    ServingPolicy.refusal(version, servedVersion(task), pin(task)));
            return;
        }
        install(task, artifact, offer.receivedNanos());
    }

    /** Checks, opens, warms up and swaps in {@code artifact}; false (reported) when it cannot serve. */
    private boolean install(String task, ModelArtifact artifact, long receivedNanos) {
        long version = artifact.meta().version();
        TaskConfig tc = tasks.get(task);
        Classifier classifier;
        try {
            ArtifactChecks.checkFitsTask(artifact, task, tc.labels(), tc.modality());
            classifier = Classifier.open(artifact, backbones, tc.maxSequenceLength());
        } catch (ArtifactException e) {
            reject(task, version, e.reason().name(), e.getMessage());
            return false;
        } catch (RuntimeException e) {
            reject(task, version, LOAD_FAILED, e.toString());
            return false;
        }
        try {
            // The first call pays for lazy native initialisation; do it here, not under a batch.
            List<Classification> warm = classifier.classify(List.of(warmUpInput(tc)));
            if (warm.size() != 1 || warm.get(0).scores().values().stream().anyMatch(p -> !Double.isFinite(p))) {
                classifier.close();
                reject(task, version, WARMUP_FAILED, "warm-up gave no finite scores: " + warm);
                return false;
            }
        } catch (RuntimeException e) {
            classifier.close();
            reject(task, version, WARMUP_FAILED, e.toString());
            return false;
        }
        ModelHandle next = ModelHandle.of(classifier, System.currentTimeMillis());
        ModelHandle previous = champions.get(task).getAndSet(next);
        Duration took = Duration.ofNanos(System.nanoTime() - receivedNanos);
        metrics.swapped(task, version, artifact.meta().createdAtMillis(), took);
        log.info(
                "[scoring task={} version={}] in service (was {}) on {}, {} ms after the record arrived",
                task,
                version,
                previous == null ? "none" : "v" + previous.version(),
                classifier.backbone().key(),
                took.toMillis());
        if (previous != null) {
            previous.release(); // closes it now, or when the last batch using it ends
        }
        return true;
    }

    /**
     * An input of the task's kind that every model of it can classify: a fixed text, or for an image
     * task a PNG of the task's size and channel count (a diagonal gradient), which goes through the
     * same decoding and resizing as an event's image.
     */
    static ModelInput warmUpInput(TaskConfig task) {
        if (task.modality() == Modality.IMAGE) {
            return new ModelInput.Image(
                    warmUpPng(task.image().spec().size(), task.image().spec().channels()));
        }
        return new ModelInput.Text(WARM_UP_TEXT);
    }

    /** A {@code size} x {@code size} PNG, grey or RGB, with a gradient (no flat image: BatchNorm sees variance). */
    static byte[] warmUpPng(int size, int channels) {
        BufferedImage image = new BufferedImage(
                size, size, channels == 1 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                int v = (x + y) * 255 / Math.max(1, 2 * size - 2);
                image.getRaster().setSample(x, y, 0, v);
                if (channels == 3) {
                    image.getRaster().setSample(x, y, 1, 255 - v);
                    image.getRaster().setSample(x, y, 2, v / 2);
                }
            }
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", png);
        } catch (IOException e) {
            throw new UncheckedIOException("the JDK's PNG writer failed on an in-memory image", e);
        }
        return png.toByteArray();
    }

    private void reject(String task, long version, String reason, String message) {
        ModelHandle champion = champions.get(task).get();
        log.warn(
                "[scoring task={} version={}] model rejected ({}): {}; {} stays in service",
                task,
                version < 0 ? "?" : version,
                reason,
                message,
                champion == null ? "no version" : "v" + champion.version());
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
