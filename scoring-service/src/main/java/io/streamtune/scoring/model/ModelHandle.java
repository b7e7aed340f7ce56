package io.streamtune.scoring.model;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import io.streamtune.common.model.Classification;
import io.streamtune.common.model.ModelInput;
import io.streamtune.common.model.ModelVersion;
import io.streamtune.common.runtime.Classifier;

/**
 * One model version in service: an immutable handle around something that classifies (in
 * production a {@link Classifier}: backbone + head), with a reference count. The registry holds one
 * reference while the version is in service; each batch holds one while it scores. The model is
 * closed when the last reference goes, so a swap never closes a model under a running batch.
 *
 * <pre>{@code
 * ModelHandle h = models.acquire("reviews");   // null while no version is in service
 * try { h.classify(inputs); } finally { h.release(); }
 * }</pre>
 */
public final class ModelHandle {

    /** What a handle serves: classify a batch, and release native resources when done. */
    public interface Model extends AutoCloseable {
        /**
         * @throws io.streamtune.common.runtime.InputRejectedException when one input cannot be used
         */
        List<Classification> classify(List<ModelInput> inputs);

        @Override
        void close();
    }

    private final Model model;
    private final ModelVersion meta;
    private final long servedSinceMillis;
    private final AtomicInteger refs = new AtomicInteger(1);

    /** A handle holding one reference (the registry's). */
    public ModelHandle(ModelVersion meta, Model model, long servedSinceMillis) {
        this.model = model;
        this.meta = meta;
        this.servedSinceMillis = servedSinceMillis;
    }

    /** A handle around a loaded classifier. */
    public static ModelHandle of(Classifier classifier, long servedSinceMillis) {
        return new ModelHandle(
                classifier.artifact().meta(),
                new Model() {
                    @Override
                    public List<Classification> classify(List<ModelInput> inputs) {
                        return classifier.classify(inputs);
                    }

                    @Override
                    public void close() {
                        classifier.close();
                    }
                },
                servedSinceMillis);
    }

    /** Classifies a batch with this version (the caller holds a reference). */
    public List<Classification> classify(List<ModelInput> inputs) {
        return model.classify(inputs);
    }

    public String task() {
        return meta.task();
    }

    public long version() {
        return meta.version();
    }

    public ModelVersion meta() {
        return meta;
    }

    public long servedSinceMillis() {
        return servedSinceMillis;
    }

    /** Adds a reference unless the handle is already released for good. */
    public boolean tryRetain() {
        for (; ; ) {
            int n = refs.get();
            if (n <= 0) {
                return false;
            }
            if (refs.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    /** Drops a reference; the last one closes the model. */
    public void release() {
        int n = refs.decrementAndGet();
        if (n == 0) {
            model.close();
        } else if (n < 0) {
            throw new IllegalStateException(
                    "model " + meta.task() + " v" + meta.version() + " released more often than acquired");
        }
    }

    /** Current references (the registry's included); for tests and diagnostics. */
    public int references() {
        return refs.get();
    }

    public boolean isClosed() {
        return refs.get() <= 0;
    }

    @Override
    public String toString() {
        return "ModelHandle[" + meta.task() + " v" + meta.version() + ", refs " + refs.get() + "]";
    }
}
