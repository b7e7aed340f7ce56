package io.streamtune.common.nlp;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.TranslateException;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import ai.djl.util.PairList;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.streamtune.common.model.TensorPack;

/**
 * A {@link TextEncoder} running an ONNX export on ONNX Runtime (DJL "OnnxRuntime" engine) with
 * a Hugging Face tokenizer.
 *
 * <p>Thread safety: the ONNX Runtime session is thread-safe but DJL predictors are not, so the
 * encoder keeps a pool of predictors over one session; each {@code encode} call borrows one per
 * sub-batch, and the pool grows to the number of concurrent callers. Close waits for in-flight
 * calls (read-write lock).
 *
 * <p>Threads: ONNX Runtime's intra-op pool per call ({@code intraOpThreads}; 0 lets ONNX Runtime
 * pick one per core). One caller with one thread per core suits a single stream of batches; N
 * callers with one thread each keep N cores busy without the per-operator barriers of a shared
 * pool, which stall whenever another process or thread takes one of the cores.
 *
 * <p>Obtain instances through {@link Encoders#open(String, int)}.
 */
public final class OnnxTextEncoder implements TextEncoder {

    private static final Logger LOG = LoggerFactory.getLogger(OnnxTextEncoder.class);

    /** Engine named explicitly: with several engines present DJL would otherwise guess. */
    static final String ENGINE = "OnnxRuntime";

    /** Sub-batch size inside one encode call; bounds the padded tensor size. */
    static final int SUB_BATCH = 64;

    private final EncoderSpec spec;
    private final int maxSequenceLength;
    private final String checksum;
    private final Model model;
    private final EncoderTokenizer tokenizer;
    private final List<String> inputNames;
    private final SessionOverrides overrides;
    private final Queue<Predictor<PaddedBatch, float[][]>> predictors = new ConcurrentLinkedQueue<>();
    private final List<Predictor<PaddedBatch, float[][]>> allPredictors;
    private final ReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private boolean closed;

    private OnnxTextEncoder(
            EncoderSpec spec,
            int maxSequenceLength,
            String checksum,
            Model model,
            EncoderTokenizer tokenizer,
            List<String> inputNames,
            SessionOverrides overrides) {
        this.spec = spec;
        this.maxSequenceLength = maxSequenceLength;
        this.checksum = checksum;
        this.model = model;
        this.tokenizer = tokenizer;
        this.inputNames = inputNames;
        this.overrides = overrides;
        this.allPredictors = new ArrayList<>();
    }

    static OnnxTextEncoder open(EncoderSpec spec, int maxSequenceLength, int intraOpThreads) throws EncoderException {
        EncoderFiles.OnnxFile file;
        try {
            file = EncoderFiles.materialise(spec.onnxResource());
        } catch (IOException e) {
            throw new EncoderException("cannot copy model of encoder " + spec.id() + ": " + e, e);
        }
        return open(spec, maxSequenceLength, intraOpThreads, file, Map.of(), file.sha256());
    }

    /**
     * Opens the encoder with some of the ONNX file's initializers replaced ({@code
     * SessionOptions.addInitializer}): the fine-tuned encoder. Everything else (tokenisation,
     * padding, pooling, normalisation, threads) is the frozen encoder's code.
     *
     * @param overrides replacement tensors by ONNX initializer name; empty for the frozen encoder
     * @param checksum what {@link #checksum()} returns: the file's SHA-256 for the frozen encoder,
     *     one over base and weights for a fine-tuned one
     */
    static OnnxTextEncoder open(
            EncoderSpec spec,
            int maxSequenceLength,
            int intraOpThreads,
            EncoderFiles.OnnxFile file,
            Map<String, TensorPack.Tensor> overrides,
            String checksum)
            throws EncoderException {
        long t0 = System.nanoTime();
        Path dir = file.path().getParent();
        EncoderTokenizer tokenizer = EncoderTokenizer.open(spec, maxSequenceLength);
        Model model = null;
        SessionOverrides session = null;
        try {
            Map<String, Object> options = new HashMap<>(threadOptions(intraOpThreads));
            if (!overrides.isEmpty()) {
                // DJL's OrtModel takes a caller's SessionOptions under "sessionOptions" (OrtModel.getSessionOptions).
                session = SessionOverrides.of(overrides);
                options.put("sessionOptions", session.options());
            }
            model = Model.newInstance(spec.id(), Device.cpu(), ENGINE);
            model.load(dir, spec.resourceName(), options);
            PairList<String, Shape> described = model.getBlock().describeInput();
            List<String> names = described == null ? List.of() : described.keys();
            OnnxTextEncoder enc =
                    new OnnxTextEncoder(spec, maxSequenceLength, checksum, model, tokenizer, names, session);
            enc.warmUp();
            LOG.info(
                    "encoder {} open: dimension {}, max length {}, inputs {}, intra-op threads {}, {} overridden weights, sha256 {}, {} ms",
                    spec.id(),
                    spec.dimension(),
                    maxSequenceLength,
                    names,
                    intraOpThreads > 0 ? intraOpThreads : "per core",
                    overrides.size(),
                    checksum.substring(0, 12),
                    (System.nanoTime() - t0) / 1_000_000);
            return enc;
        } catch (IOException | MalformedModelException | OrtException | RuntimeException e) {
            if (model != null) {
                model.close();
            }
            if (session != null) {
                session.close();
            }
            tokenizer.close();
            throw new EncoderException("cannot load ONNX model of encoder " + spec.id() + ": " + e, e);
        }
    }

    private static Map<String, String> threadOptions(int intraOpThreads) {
        return intraOpThreads > 0 ? Map.of("intraOpNumThreads", Integer.toString(intraOpThreads)) : Map.of();
    }

    /**
     * Session options holding replacement initializers. ONNX Runtime requires the tensors to outlive
     * the session, so they are closed with the encoder, after the model.
     */
    private record SessionOverrides(OrtSession.SessionOptions options, List<OnnxTensor> tensors) {
        static SessionOverrides of(Map<String, TensorPack.Tensor> overrides) throws OrtException {
            // DJL's engine creates the process's ONNX Runtime environment with its own settings and
            // fails if one already exists: let it go first, then share it.
            ai.djl.engine.Engine.getEngine(ENGINE);
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            OrtSession.SessionOptions options = new OrtSession.SessionOptions();
            List<OnnxTensor> tensors = new ArrayList<>();
            try {
                for (Map.Entry<String, TensorPack.Tensor> e : overrides.entrySet()) {
                    float[] v = e.getValue().values();
                    FloatBuffer buf = ByteBuffer.allocateDirect(v.length * 4)
                            .order(ByteOrder.nativeOrder())
                            .asFloatBuffer();
                    buf.put(v).flip();
                    long[] shape =
                            Arrays.stream(e.getValue().shape()).asLongStream().toArray();
                    OnnxTensor t = OnnxTensor.createTensor(env, buf, shape);
                    tensors.add(t);
                    options.addInitializer(e.getKey(), t);
                }
                return new SessionOverrides(options, tensors);
            } catch (OrtException | RuntimeException e) {
                new SessionOverrides(options, tensors).close();
                throw e;
            }
        }

        void close() {
            options.close();
            for (OnnxTensor t : tensors) {
                t.close();
            }
        }
    }

    private void warmUp() {
        float[][] v = encode(List.of("warm up"));
        if (v[0].length != spec.dimension()) {
            throw new IllegalStateException(
                    "encoder " + spec.id() + " produced dimension " + v[0].length + ", expected " + spec.dimension());
        }
    }

    @Override
    public String id() {
        return spec.id();
    }

    @Override
    public int dimension() {
        return spec.dimension();
    }

    @Override
    public String checksum() {
        return checksum;
    }

    /** Maximum sequence length in tokens this encoder truncates to. */
    public int maxSequenceLength() {
        return maxSequenceLength;
    }

    /** The static description of this encoder. */
    public EncoderSpec spec() {
        return spec;
    }

    /**
     * Token ids of one text exactly as {@link #encode} feeds them to the model (lower-casing,
     * special tokens and truncation applied). For diagnostics and tests.
     */
    public long[] tokenIds(String text) {
        return tokenizer.tokenIds(text);
    }

    @Override
    public float[][] encode(List<String> texts) {
        lifecycle.readLock().lock();
        try {
            if (closed) {
                throw new IllegalStateException("encoder " + spec.id() + " is closed");
            }
            int n = texts.size();
            float[][] out = new float[n][];
            if (n == 0) {
                return out;
            }
            for (PaddedBatch batch : tokenizer.lengthSortedBatches(texts, SUB_BATCH)) {
                float[][] vectors = run(batch);
                for (int i = 0; i < vectors.length; i++) {
                    out[batch.rows()[i]] = vectors[i];
                }
            }
            return out;
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    private float[][] run(PaddedBatch batch) {
        Predictor<PaddedBatch, float[][]> p = predictors.poll();
        if (p == null) {
            p = newPredictor();
        }
        try {
            return p.predict(batch);
        } catch (TranslateException e) {
            throw new EncoderRuntimeException("encoder " + spec.id() + " failed: " + e.getMessage(), e);
        } finally {
            predictors.add(p);
        }
    }

    /** A predictor for one more concurrent caller (called under the read lock, never after close). */
    private Predictor<PaddedBatch, float[][]> newPredictor() {
        Predictor<PaddedBatch, float[][]> p = model.newPredictor(new PoolingTranslator());
        synchronized (allPredictors) {
            allPredictors.add(p);
        }
        return p;
    }

    @Override
    public void close() {
        lifecycle.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            for (Predictor<PaddedBatch, float[][]> p : allPredictors) {
                p.close();
            }
            model.close();
            if (overrides != null) {
                overrides.close();
            }
            tokenizer.close();
            LOG.debug("encoder {} closed", spec.id());
        } finally {
            lifecycle.writeLock().unlock();
        }
    }

    /** Feeds the model by input name and pools + normalises its last hidden state. */
    private final class PoolingTranslator implements Translator<PaddedBatch, float[][]> {

        /** Inputs are already batched; ORT arrays cannot be stacked by DJL's default batchifier. */
        @Override
        public ai.djl.translate.Batchifier getBatchifier() {
            return null;
        }

        @Override
        public NDList processInput(TranslatorContext ctx, PaddedBatch in) {
            ctx.setAttachment("batch", in);
            NDManager m = ctx.getNDManager();
            NDList list = new NDList();
            List<String> names =
                    inputNames.isEmpty() ? List.of("input_ids", "attention_mask", "token_type_ids") : inputNames;
            for (String name : names) {
                long[][] data;
                switch (name) {
                    case "input_ids" -> data = in.ids();
                    case "attention_mask" -> data = in.mask();
                    case "token_type_ids" -> data = in.types();
                    default ->
                        throw new IllegalStateException(
                                "encoder " + spec.id() + " has an unexpected input '" + name + "'");
                }
                NDArray a = m.create(data);
                a.setName(name);
                list.add(a);
            }
            return list;
        }

        @Override
        public float[][] processOutput(TranslatorContext ctx, NDList list) {
            NDArray hidden = null;
            for (NDArray a : list) {
                if (a.getShape().dimension() == 3) {
                    hidden = a;
                    break;
                }
            }
            if (hidden == null) {
                throw new IllegalStateException("encoder " + spec.id() + " returned no [batch, seq, dim] output");
            }
            Shape s = hidden.getShape();
            int b = (int) s.get(0);
            int t = (int) s.get(1);
            int h = (int) s.get(2);
            float[] flat = hidden.toFloatArray();
            PaddedBatch in = (PaddedBatch) ctx.getAttachment("batch");
            float[][] out = new float[b][h];
            for (int i = 0; i < b; i++) {
                float[] v = out[i];
                if (spec.pooling() == Pooling.CLS) {
                    System.arraycopy(flat, i * t * h, v, 0, h);
                } else {
                    int count = 0;
                    for (int j = 0; j < t; j++) {
                        if (in.mask()[i][j] == 0) {
                            continue;
                        }
                        count++;
                        int base = (i * t + j) * h;
                        for (int k = 0; k < h; k++) {
                            v[k] += flat[base + k];
                        }
                    }
                    float inv = 1f / Math.max(1, count);
                    for (int k = 0; k < h; k++) {
                        v[k] *= inv;
                    }
                }
                normalise(v);
            }
            return out;
        }
    }

    static void normalise(float[] v) {
        double sum = 0;
        for (float x : v) {
            sum += (double) x * x;
        }
        double norm = Math.sqrt(sum);
        if (norm < 1e-12) {
            return;
        }
        float inv = (float) (1.0 / norm);
        for (int k = 0; k < v.length; k++) {
            v[k] *= inv;
        }
    }
}
