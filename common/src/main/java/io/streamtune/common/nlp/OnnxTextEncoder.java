package io.streamtune.common.nlp;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.TokenizersLibrary;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.TranslateException;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import ai.djl.util.PairList;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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

  /**
   * Counted texts whose ids are kept for {@link #encode}: more than a scorer has between counting and
   * encoding (per partition at most 4 batches in flight and one waiting, 32 events each by default);
   * a text beyond is tokenised again, nothing worse. Bounds memory to 2048 texts.
   */
  static final int COUNTED_KEPT = 2048;

  /** Most texts in one model call inside one encode call; bounds the padded tensor size. */
  static final int SUB_BATCH = 64;

  /**
   * The fixed cost of one model call in padded token positions, for {@link #subBatches}: measured
   * between 8 and 16 on 2 cores (docs/drafts/perf.md); the higher end keeps sub-batches from
   * splitting for a few positions.
   */
  static final int CALL_OVERHEAD_TOKENS = 16;

  private final EncoderSpec spec;
  private final int maxSequenceLength;
  private final String checksum;
  private final Model model;
  private final HuggingFaceTokenizer tokenizer;
  private final List<String> inputNames;
  private final Queue<Predictor<Padded, float[][]>> predictors = new ConcurrentLinkedQueue<>();
  private final List<Predictor<Padded, float[][]>> allPredictors;
  private final ReadWriteLock lifecycle = new ReentrantReadWriteLock();
  /** Token positions fed to the model since open: padded, and real (for tests and diagnostics). */
  private final LongAdder paddedPositions = new LongAdder();
  private final LongAdder tokenPositions = new LongAdder();
  /** Ids of texts {@link #tokenCount counted} and not yet encoded, oldest first; bounded. */
  private final Map<String, long[]> counted = new LinkedHashMap<>(16, 0.75f, false) {
    private static final long serialVersionUID = 1L;

    @Override
    protected boolean removeEldestEntry(Map.Entry<String, long[]> eldest) {
      return size() > COUNTED_KEPT;
    }
  };
  private boolean closed;

  private OnnxTextEncoder(
      EncoderSpec spec,
      int maxSequenceLength,
      String checksum,
      Model model,
      HuggingFaceTokenizer tokenizer,
      List<String> inputNames) {
    this.spec = spec;
    this.maxSequenceLength = maxSequenceLength;
    this.checksum = checksum;
    this.model = model;
    this.tokenizer = tokenizer;
    this.inputNames = inputNames;
    this.allPredictors = new ArrayList<>();
  }

  static OnnxTextEncoder open(EncoderSpec spec, int maxSequenceLength, int intraOpThreads)
      throws EncoderException {
    long t0 = System.nanoTime();
    ClassLoader cl = Thread.currentThread().getContextClassLoader();
    if (cl == null) {
      cl = OnnxTextEncoder.class.getClassLoader();
    }
    Path dir;
    String checksum;
    try {
      String[] res = materialise(cl, spec.onnxResource());
      checksum = res[0];
      dir = Paths.get(res[1]);
    } catch (IOException e) {
      throw new EncoderException("cannot copy model of encoder " + spec.id() + ": " + e, e);
    }

    HuggingFaceTokenizer tokenizer;
    try (InputStream in = cl.getResourceAsStream(spec.tokenizerResource())) {
      if (in == null) {
        throw new EncoderException(
            "tokenizer resource " + spec.tokenizerResource() + " of encoder " + spec.id()
                + " is not on the classpath");
      }
      // Truncation and padding are set here rather than trusting tokenizer.json: padding is
      // done per batch below (pad to the longest), truncation to our configured length.
      tokenizer =
          HuggingFaceTokenizer.newInstance(
              in,
              Map.of(
                  "maxLength", Integer.toString(maxSequenceLength),
                  "truncation", "true",
                  "padding", "false",
                  "addSpecialTokens", "true"));
    } catch (IOException | RuntimeException e) {
      throw new EncoderException("cannot load tokenizer of encoder " + spec.id() + ": " + e, e);
    }

    Model model = null;
    try {
      model = Model.newInstance(spec.id(), Device.cpu(), ENGINE);
      model.load(dir, spec.resourceName(), threadOptions(intraOpThreads));
      PairList<String, Shape> described = model.getBlock().describeInput();
      List<String> names = described == null ? List.of() : described.keys();
      OnnxTextEncoder enc =
          new OnnxTextEncoder(spec, maxSequenceLength, checksum, model, tokenizer, names);
      enc.warmUp();
      LOG.info(
          "encoder {} open: dimension {}, max length {}, inputs {}, intra-op threads {}, sha256 {}, {} ms",
          spec.id(),
          spec.dimension(),
          maxSequenceLength,
          names,
          intraOpThreads > 0 ? intraOpThreads : "per core",
          checksum.substring(0, 12),
          (System.nanoTime() - t0) / 1_000_000);
      return enc;
    } catch (IOException | MalformedModelException | RuntimeException e) {
      if (model != null) {
        model.close();
      }
      tokenizer.close();
      throw new EncoderException("cannot load ONNX model of encoder " + spec.id() + ": " + e, e);
    }
  }

  private static Map<String, String> threadOptions(int intraOpThreads) {
    return intraOpThreads > 0
        ? Map.of("intraOpNumThreads", Integer.toString(intraOpThreads))
        : Map.of();
  }

  /**
   * Copies the ONNX resource into {@code ~/.streamtune/encoders/<sha256>/} (ONNX Runtime
   * through DJL loads from a file) while hashing it. Keyed by checksum so two versions of an
   * encoder jar never share a file and concurrent processes never see a half-written one
   * (write to a temp file, then atomic move).
   *
   * @return {checksum, directory}
   */
  private static String[] materialise(ClassLoader cl, String resource) throws IOException {
    Path root =
        Paths.get(
            System.getProperty(
                "streamtune.encoder.cache",
                Paths.get(System.getProperty("user.home"), ".streamtune", "encoders").toString()));
    Files.createDirectories(root);
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("JDK without SHA-256", e);
    }
    Path tmp = Files.createTempFile(root, "copy-", ".onnx.tmp");
    try {
      try (InputStream in = cl.getResourceAsStream(resource)) {
        if (in == null) {
          throw new IOException("resource " + resource + " is not on the classpath");
        }
        try (OutputStream out = new DigestOutputStream(Files.newOutputStream(tmp), sha)) {
          in.transferTo(out);
        }
      }
      String checksum = HexFormat.of().formatHex(sha.digest());
      Path dir = root.resolve(checksum);
      Path target = dir.resolve(resource);
      if (Files.isRegularFile(target)) {
        return new String[] {checksum, dir.toString()};
      }
      Files.createDirectories(dir);
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
      return new String[] {checksum, dir.toString()};
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private void warmUp() {
    float[][] v = encode(List.of("warm up"));
    if (v[0].length != spec.dimension()) {
      throw new IllegalStateException(
          "encoder " + spec.id() + " produced dimension " + v[0].length + ", expected "
              + spec.dimension());
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

  /** Token positions fed to the model since open, padding included. */
  long paddedPositions() {
    return paddedPositions.sum();
  }

  /** Token positions of the texts themselves fed to the model since open (no padding). */
  long tokenPositions() {
    return tokenPositions.sum();
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
    return tokenize(new String[] {prepare(text)})[0];
  }

  private String prepare(String text) {
    return spec.lowerCase() ? text.toLowerCase(Locale.ROOT) : text;
  }

  /**
   * Tokens of one text as {@link #encode} feeds it to the model: lower-casing, special tokens and
   * truncation to {@link #maxSequenceLength()} applied. One tokenizer call, no model run. The ids are
   * kept for a while ({@link #COUNTED_KEPT} texts), so that a text counted to cut a batch and then
   * encoded is tokenised once.
   */
  @Override
  public int tokenCount(String text) {
    long[] ids = tokenIds(text);
    synchronized (counted) {
      counted.put(text, ids);
    }
    return ids.length;
  }

  /**
   * Token ids of a batch of prepared texts. Only the ids are fetched from the native encodings: the
   * model takes ids, a mask that follows from their length, and type ids that are all 0 for a single
   * sentence. Fetching DJL's whole {@code Encoding} (tokens as strings, offsets, word ids) cost about
   * half as much again as tokenising itself (measured 70-130 against 60-80 us per tweet on 2 busy cores).
   */
  private long[][] tokenize(String[] prepared) {
    long[] handles = TokenizersLibrary.LIB.batchEncode(tokenizer.getHandle(), prepared, true);
    long[][] ids = new long[handles.length][];
    try {
      for (int i = 0; i < handles.length; i++) {
        ids[i] = TokenizersLibrary.LIB.getTokenIds(handles[i]);
      }
    } finally {
      for (long h : handles) {
        TokenizersLibrary.LIB.deleteEncoding(h);
      }
    }
    return ids;
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
      long[][] ids = new long[n][];
      List<Integer> fresh = new ArrayList<>();
      synchronized (counted) {
        for (int i = 0; i < n; i++) {
          ids[i] = counted.remove(texts.get(i));
          if (ids[i] == null) {
            fresh.add(i);
          }
        }
      }
      if (!fresh.isEmpty()) {
        String[] prepared = new String[fresh.size()];
        for (int j = 0; j < prepared.length; j++) {
          prepared[j] = prepare(texts.get(fresh.get(j)));
        }
        long[][] tokenised = tokenize(prepared);
        for (int j = 0; j < prepared.length; j++) {
          ids[fresh.get(j)] = tokenised[j];
        }
      }
      // Sorted by length, then cut into the sub-batches that pad least (subBatches): each is padded to
      // its own longest member, so short texts are not padded to the batch's longest. Same results
      // for fp32 models: padding is masked out.
      Integer[] order = new Integer[n];
      for (int i = 0; i < n; i++) {
        order[i] = i;
      }
      Arrays.sort(order, (a, b) -> Integer.compare(ids[a].length, ids[b].length));
      int[] lengths = new int[n];
      for (int i = 0; i < n; i++) {
        lengths[i] = ids[order[i]].length;
      }
      int start = 0;
      for (int end : subBatches(lengths, SUB_BATCH, CALL_OVERHEAD_TOKENS)) {
        long[][] chunk = new long[end - start][];
        for (int i = start; i < end; i++) {
          chunk[i - start] = ids[order[i]];
        }
        Padded padded = Padded.of(chunk);
        paddedPositions.add((long) chunk.length * padded.length());
        for (long[] c : chunk) {
          tokenPositions.add(c.length);
        }
        float[][] vectors = run(padded);
        for (int i = start; i < end; i++) {
          out[order[i]] = vectors[i - start];
        }
        start = end;
      }
      return out;
    } finally {
      lifecycle.readLock().unlock();
    }
  }

  /**
   * Cuts texts sorted by token count into contiguous sub-batches so that the model's work is least:
   * the cost of a sub-batch is what it is padded to ({@code count x longest} token positions) plus a
   * fixed cost per model call, {@code callOverheadTokens} positions. Dynamic programming over the cut
   * points, O(n x maxBatch).
   *
   * <p>The cost model is measured, not assumed: on 2 cores with one ONNX Runtime thread, MiniLM's time
   * per call grew in proportion to the padded positions from 1 x 8 to 32 x 128, with a fixed part per
   * call of roughly 8 to 16 positions (docs/drafts/perf.md). Attention is quadratic in the length but
   * a few percent of the work at these lengths (L / 6h: 128 / 2304 for hidden size 384).
   *
   * @param sortedLengths token counts in ascending order
   * @param maxBatch most texts in one sub-batch (bounds the padded tensor)
   * @param callOverheadTokens fixed cost of one model call, in padded token positions
   * @return the exclusive end index of each sub-batch, ascending; the last is {@code sortedLengths.length}
   */
  static int[] subBatches(int[] sortedLengths, int maxBatch, int callOverheadTokens) {
    int n = sortedLengths.length;
    long[] best = new long[n + 1];
    int[] cut = new int[n + 1];
    for (int end = 1; end <= n; end++) {
      best[end] = Long.MAX_VALUE;
      long longest = sortedLengths[end - 1];
      for (int begin = end - 1; begin >= Math.max(0, end - maxBatch); begin--) {
        long cost = best[begin] + callOverheadTokens + (end - begin) * longest;
        if (cost < best[end]) {
          best[end] = cost;
          cut[end] = begin;
        }
      }
    }
    int count = 0;
    for (int end = n; end > 0; end = cut[end]) {
      count++;
    }
    int[] ends = new int[count];
    for (int end = n, k = count - 1; end > 0; end = cut[end], k--) {
      ends[k] = end;
    }
    return ends;
  }

  private float[][] run(Padded batch) {
    Predictor<Padded, float[][]> p = predictors.poll();
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
  private Predictor<Padded, float[][]> newPredictor() {
    Predictor<Padded, float[][]> p = model.newPredictor(new PoolingTranslator());
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
      for (Predictor<Padded, float[][]> p : allPredictors) {
        p.close();
      }
      model.close();
      tokenizer.close();
      LOG.debug("encoder {} closed", spec.id());
    } finally {
      lifecycle.writeLock().unlock();
    }
  }

  /** A batch of token ids padded to its longest member. */
  record Padded(long[][] ids, long[][] mask, long[][] types, int length) {
    static Padded of(long[][] chunk) {
      int len = 1;
      for (long[] id : chunk) {
        len = Math.max(len, id.length);
      }
      long[][] ids = new long[chunk.length][len];
      long[][] mask = new long[chunk.length][len];
      // One sentence per input: every type id is 0 (segment A).
      long[][] types = new long[chunk.length][len];
      for (int i = 0; i < chunk.length; i++) {
        // Pad id 0 is [PAD] in every BERT vocabulary we ship; masked out anyway.
        System.arraycopy(chunk[i], 0, ids[i], 0, chunk[i].length);
        Arrays.fill(mask[i], 0, chunk[i].length, 1L);
      }
      return new Padded(ids, mask, types, len);
    }
  }

  /** Feeds the model by input name and pools + normalises its last hidden state. */
  private final class PoolingTranslator implements Translator<Padded, float[][]> {

    /** Inputs are already batched; ORT arrays cannot be stacked by DJL's default batchifier. */
    @Override
    public ai.djl.translate.Batchifier getBatchifier() {
      return null;
    }
    @Override
    public NDList processInput(TranslatorContext ctx, Padded in) {
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
          default -> throw new IllegalStateException(
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
      Padded in = (Padded) ctx.getAttachment("batch");
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
