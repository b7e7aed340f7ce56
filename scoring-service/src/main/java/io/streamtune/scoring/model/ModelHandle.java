package io.streamtune.scoring.model;

import java.util.concurrent.atomic.AtomicInteger;

import io.streamtune.common.model.Classifier;
import io.streamtune.common.model.ModelVersion;

/**
 * One model version in service: an immutable handle around a loaded {@link Classifier}, with
 * a reference count. The registry holds one reference while the version is the champion; each
 * batch holds one while it scores. The classifier is closed when the last reference goes, so a
 * swap never closes a model under a running batch.
 *
 * <pre>{@code
 * ModelHandle h = registry.acquire("reviews");   // null while no version is in service
 * try { h.classifier().classify(texts); } finally { h.release(); }
 * }</pre>
 */
public final class ModelHandle {
    private final Classifier classifier;
    private final ModelVersion meta;
    private final long servedSinceMillis;
    private final AtomicInteger refs = new AtomicInteger(1);

    ModelHandle(Classifier classifier, long servedSinceMillis) {
        this.classifier = classifier;
        this.meta = classifier.artifact().meta();
        this.servedSinceMillis = servedSinceMillis;
    }

    public Classifier classifier() {
        return classifier;
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
    boolean tryRetain() {
        for (;;) {
            int n = refs.get();
            if (n <= 0) {
                return false;
            }
            if (refs.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    /** Drops a reference; the last one closes the classifier. */
    public void release() {
        int n = refs.decrementAndGet();
        if (n == 0) {
            classifier.close();
        } else if (n < 0) {
            throw new IllegalStateException("model " + meta.task() + " v" + meta.version() + " released more often than acquired");
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
