package io.streamtune.common.runtime;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.streamtune.common.image.ImagePreprocessor;
import io.streamtune.common.model.ArtifactException;
import io.streamtune.common.model.ArtifactStore;
import io.streamtune.common.model.BackboneKind;
import io.streamtune.common.model.BackboneRef;
import io.streamtune.common.model.CnnBackbone;
import io.streamtune.common.model.TensorPack;
import io.streamtune.common.model.WeightsRef;
import io.streamtune.common.nlp.EncoderException;
import io.streamtune.common.nlp.Encoders;
import io.streamtune.common.nlp.FinetunedWeights;
import io.streamtune.common.nlp.TextEncoder;

/**
 * The one place that opens backbones and shares them, for the trainer, the scorer, {@code evaluate}
 * and the benchmarks alike. Backbones are keyed by everything that changes their output
 * ({@link BackboneRef.Key}: kind, id, sequence length, base and weights checksums), so two tasks
 * that share an encoder with different sequence lengths get two backbones, and a head is always
 * served on the backbone it was trained on.
 *
 * <p>Callers hold a {@link Lease} and close it when done. A frozen pretrained backbone stays open
 * after its last lease (opening one takes seconds and it is needed again at the next version); a
 * backbone with a version's own weights is closed with its last lease. {@link #close()} closes all.
 *
 * <pre>{@code
 * try (Backbones backbones = Backbones.opening(1, store);
 *      Backbones.Lease lease = backbones.acquire(artifact.backbone())) {
 *     float[][] features = lease.backbone().features(inputs);
 * }
 * }</pre>
 *
 * <p>Thread-safe; opening runs under the pool's lock (callers are loader threads, never a stream
 * thread).
 */
public final class Backbones implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Backbones.class);

    /** Opens a frozen pretrained text encoder: {@link Encoders#open(String, int, int)} in production. */
    @FunctionalInterface
    public interface TextEncoderSource {
        TextEncoder open(String encoderId, int maxSequenceLength) throws EncoderException;
    }

    /**
     * Opens a text encoder with fine-tuned weights applied: {@link Encoders#open(String, int, int, TensorPack)} in
     * production.
     */
    @FunctionalInterface
    public interface TunedTextEncoderSource {
        TextEncoder open(String encoderId, int maxSequenceLength, TensorPack weights)
                throws EncoderException, ArtifactException;
    }

    private final TextEncoderSource frozenText;
    private final TunedTextEncoderSource tunedText;
    private final ArtifactStore store;
    private final Map<BackboneRef.Key, Entry> entries = new HashMap<>();
    private boolean closed;

    private static final class Entry {
        final Backbone backbone;
        final AutoCloseable resource;
        final boolean keepOpen;
        int leases;

        Entry(Backbone backbone, AutoCloseable resource, boolean keepOpen) {
            this.backbone = backbone;
            this.resource = resource;
            this.keepOpen = keepOpen;
        }
    }

    private Backbones(TextEncoderSource frozenText, TunedTextEncoderSource tunedText, ArtifactStore store) {
        this.frozenText = frozenText;
        this.tunedText = tunedText;
        this.store = store;
    }

    /**
     * A pool that opens the shipped encoders, each call on {@code intraOpThreads} ONNX Runtime threads
     * (0: one per core).
     *
     * @param store where stored weights are read; null when this process reads none (inline only)
     */
    public static Backbones opening(int intraOpThreads, ArtifactStore store) {
        return new Backbones(
                (id, length) -> Encoders.open(id, length, intraOpThreads),
                (id, length, weights) -> Encoders.open(id, length, intraOpThreads, weights),
                store);
    }

    /**
     * A pool whose frozen text encoders come from {@code source} (tests share one encoder across runs); fine-tuned
     * encoders are opened from the shipped files on one ONNX Runtime thread.
     */
    public static Backbones create(TextEncoderSource source, ArtifactStore store) {
        return new Backbones(source, (id, length, weights) -> Encoders.open(id, length, 1, weights), store);
    }

    /**
     * The frozen pretrained text encoder {@code encoderId} at {@code maxSequenceLength}, opened now if
     * needed. The lease's {@link Lease#ref()} names its base checksum: what a version trained on it
     * records.
     *
     * @throws ArtifactException UNSUPPORTED_BACKBONE when the encoder cannot be opened (unknown id, bad length)
     */
    public synchronized Lease frozenText(String encoderId, int maxSequenceLength) throws ArtifactException {
        Entry base = openFrozenText(encoderId, maxSequenceLength);
        return lease(base, BackboneRef.text(encoderId, base.backbone.key().baseSha256(), maxSequenceLength, null));
    }

    /**
     * The backbone a model version names, opened now if needed.
     *
     * @param ref the version's backbone; a text backbone must name its sequence length (version-1
     *     artifacts record 0: resolve it to the task's length first)
     * @throws ArtifactException ENCODER_MISMATCH when the local pretrained encoder is not the one the
     *     version was trained on, MISSING_WEIGHTS / CHECKSUM_MISMATCH when its weights cannot be had,
     *     UNSUPPORTED_BACKBONE when this build cannot open it
     */
    public synchronized Lease acquire(BackboneRef ref) throws ArtifactException {
        if (closed) {
            throw new IllegalStateException("the backbone pool is closed");
        }
        if (ref.kind() == BackboneKind.TEXT_ENCODER && ref.maxSequenceLength() < 1) {
            throw new IllegalArgumentException(
                    "text backbone " + ref.id() + " needs a sequence length; resolve a version-1 "
                            + "artifact's 0 to the task's maxSequenceLength before acquiring it");
        }
        BackboneRef.Key key = ref.key();
        Entry e = entries.get(key);
        if (e != null) {
            return lease(e, ref);
        }
        switch (ref.kind()) {
            case TEXT_ENCODER -> {
                Entry base = openFrozenText(ref.id(), ref.maxSequenceLength());
                String local = base.backbone.key().baseSha256();
                if (!local.equals(ref.baseSha256())) {
                    throw new ArtifactException(
                            ArtifactException.Reason.ENCODER_MISMATCH,
                            "the version was trained on "
                                    + ref.id() + " with sha256 " + ref.baseSha256() + " but this build ships " + local
                                    + " (a different encoder jar)");
                }
                if (ref.weights() == null) {
                    return lease(base, ref);
                }
                return lease(openTunedText(ref, key), ref);
            }
            case IMAGE_CNN -> {
                return lease(openImage(ref), ref);
            }
            default ->
                throw new ArtifactException(
                        ArtifactException.Reason.UNSUPPORTED_BACKBONE, "unknown backbone kind " + ref.kind());
        }
    }

    private Entry openTunedText(BackboneRef ref, BackboneRef.Key key) throws ArtifactException {
        TensorPack pack = weights(ref.weights());
        String packMode = pack.attribute(FinetunedWeights.MODE);
        if (packMode == null
                || !packMode.equalsIgnoreCase(ref.weights().format().wireName())) {
            throw new ArtifactException(
                    ArtifactException.Reason.MALFORMED,
                    "the record says "
                            + ref.weights().format().wireName() + " weights but the pack's " + FinetunedWeights.MODE
                            + " attribute is " + packMode);
        }
        long t0 = System.nanoTime();
        TextEncoder tuned;
        try {
            tuned = tunedText.open(ref.id(), ref.maxSequenceLength(), pack);
        } catch (EncoderException | RuntimeException e) {
            throw new ArtifactException(
                    ArtifactException.Reason.UNSUPPORTED_BACKBONE,
                    "fine-tuned encoder " + ref.id() + " (max " + ref.maxSequenceLength()
                            + " tokens) cannot be opened: " + e.getMessage(),
                    e);
        }
        // Closed with its last lease: a fine-tuned encoder serves one version (or a few around a swap).
        Entry e = new Entry(new TextEncoderBackbone(key, tuned), tuned, false);
        entries.put(key, e);
        log.info(
                "[backbones] opened {} ({} weights, {} bytes) in {} ms",
                key,
                ref.weights().format().wireName(),
                ref.weights().sizeBytes(),
                (System.nanoTime() - t0) / 1_000_000);
        return e;
    }

    /**
     * Opens a CNN backbone from its version's weights (format {@code cnn}: the whole backbone, rebuilt
     * from the pack's attributes with the model-zoo builder) on CPU. Closed with its last lease.
     */
    private Entry openImage(BackboneRef ref) throws ArtifactException {
        if (ref.weights() == null || ref.weights().format() != WeightsRef.Format.CNN) {
            throw new ArtifactException(
                    ArtifactException.Reason.UNSUPPORTED_BACKBONE,
                    "image backbone " + ref.id() + " needs cnn weights, the version has "
                            + (ref.weights() == null ? "none" : ref.weights()));
        }
        long t0 = System.nanoTime();
        TensorPack pack = weights(ref.weights());
        CnnBackbone cnn = CnnBackbone.load(pack, ai.djl.Device.cpu());
        if (!cnn.architecture().id().equals(ref.id())) {
            cnn.close();
            throw new ArtifactException(
                    ArtifactException.Reason.ENCODER_MISMATCH,
                    "image backbone " + ref.id() + " has weights of "
                            + cnn.architecture().id() + " (" + cnn.architecture() + ")");
        }
        Entry e = new Entry(new ImageCnnBackbone(ref.key(), cnn, ImagePreprocessor.DEFAULT_MAX_PIXELS), cnn, false);
        entries.put(ref.key(), e);
        log.info(
                "[backbones] opened {} ({}) in {} ms",
                ref.key(),
                cnn.architecture(),
                (System.nanoTime() - t0) / 1_000_000);
        return e;
    }

    /**
     * Reads a version's backbone weights, inline or from the artifact store, checked against the record's SHA-256.
     *
     * @throws ArtifactException CHECKSUM_MISMATCH when the bytes do not match, MISSING_WEIGHTS when they are stored
     *     and this pool has no store or the store lacks them, MALFORMED when they are no tensor pack
     */
    public TensorPack weights(WeightsRef w) throws ArtifactException {
        byte[] bytes;
        if (w.isInline()) {
            bytes = w.inline();
            String actual = io.streamtune.common.hash.Sha256.hex(bytes);
            if (!actual.equals(w.sha256())) {
                throw new ArtifactException(
                        ArtifactException.Reason.CHECKSUM_MISMATCH,
                        "inline weights hash to " + actual + ", the record says " + w.sha256());
            }
        } else if (store == null) {
            throw new ArtifactException(
                    ArtifactException.Reason.MISSING_WEIGHTS,
                    "weights " + w.uri()
                            + " are in an artifact store and this process has none configured (artifacts.dir)");
        } else {
            bytes = store.get(w.uri(), w.sha256());
        }
        return TensorPack.decode(bytes);
    }

    private Entry openFrozenText(String encoderId, int maxSequenceLength) throws ArtifactException {
        // Base key: the checksum is filled in once the file has been hashed, so look up by id and length.
        for (Entry e : entries.values()) {
            BackboneRef.Key k = e.backbone.key();
            if (k.kind() == BackboneKind.TEXT_ENCODER
                    && k.id().equals(encoderId)
                    && k.maxSequenceLength() == maxSequenceLength
                    && k.weightsSha256().isEmpty()) {
                return e;
            }
        }
        long t0 = System.nanoTime();
        TextEncoder encoder;
        try {
            encoder = frozenText.open(encoderId, maxSequenceLength);
        } catch (EncoderException | RuntimeException e) {
            throw new ArtifactException(
                    ArtifactException.Reason.UNSUPPORTED_BACKBONE,
                    "encoder " + encoderId + " (max " + maxSequenceLength + " tokens) cannot be opened: "
                            + e.getMessage(),
                    e);
        }
        BackboneRef.Key key = BackboneRef.text(encoderId, encoder.checksum(), maxSequenceLength, null)
                .key();
        Entry e = new Entry(new TextEncoderBackbone(key, encoder), encoder, true);
        entries.put(key, e);
        log.info("[backbones] opened {} in {} ms", key, (System.nanoTime() - t0) / 1_000_000);
        return e;
    }

    private Lease lease(Entry e, BackboneRef ref) {
        e.leases++;
        return new Lease(e, ref);
    }

    private synchronized void release(Entry e) {
        e.leases--;
        if (e.leases == 0 && !e.keepOpen && !closed) {
            entries.remove(e.backbone.key());
            closeQuietly(e);
        }
    }

    /** Backbones open now (for tests and diagnostics). */
    public synchronized List<BackboneRef.Key> openKeys() {
        return new ArrayList<>(entries.keySet());
    }

    /** Closes every backbone, leased or not: call it after everything using them has stopped. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        entries.values().forEach(Backbones::closeQuietly);
        entries.clear();
    }

    private static void closeQuietly(Entry e) {
        try {
            e.resource.close();
        } catch (Exception ex) {
            log.warn("[backbones] closing {} failed: {}", e.backbone.key(), ex.toString());
        }
    }

    /**
     * A hold on one backbone; closing it releases the hold (idempotent).
     */
    public final class Lease implements AutoCloseable {
        private final Entry entry;
        private final BackboneRef ref;
        private boolean released;

        private Lease(Entry entry, BackboneRef ref) {
            this.entry = entry;
            this.ref = ref;
        }

        public Backbone backbone() {
            return entry.backbone;
        }

        /** The backbone as a version records it (base checksum filled in). */
        public BackboneRef ref() {
            return ref;
        }

        @Override
        public synchronized void close() {
            if (!released) {
                released = true;
                release(entry);
            }
        }
    }
}
