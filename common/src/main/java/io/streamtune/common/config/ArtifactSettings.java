package io.streamtune.common.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Where weights too large for a model record are kept: section {@code artifacts} of the configuration, the same for
 * the trainer (writes) and the scorers (read). Weight packs (fine-tuned encoders, CNN backbones) up to
 * {@code inlineMaxBytes} travel inside the model record; larger ones (full fine-tuning: 90-130 MB; deep CNNs) go to the
 * directory and the record holds their URI and SHA-256.
 *
 * <pre>{@code
 * artifacts:
 *   dir: /var/lib/streamtune/artifacts   # shared by trainer and scorers (a volume, a network file system)
 *   inlineMaxBytes: 4194304
 *   gcMinAge: 1h
 * }</pre>
 *
 * <p>{@code STREAMTUNE_ARTIFACTS_DIR} overrides {@code dir} (one configuration file for compose and a local run).
 * Services open it as {@code new DirectoryArtifactStore(config.artifacts().dir())} (common.model; this package stays
 * free of it, no package cycle).
 *
 * @param dir the artifact store's directory; relative paths are resolved against the working directory
 * @param inlineMaxBytes encoded weight packs up to this many bytes travel in the model record
 * @param gcMinAge blobs younger than this are never collected (one being published, another trainer's)
 */
public record ArtifactSettings(Path dir, int inlineMaxBytes, Duration gcMinAge) {
    public static final String SECTION = "artifacts";
    /** The environment variable that overrides {@code artifacts.dir}. */
    public static final String DIR_ENV = "STREAMTUNE_ARTIFACTS_DIR";
    /**
     * The largest {@code inlineMaxBytes}: a pack travels in base64 inside the model record (4/3), and the published
     * {@code ModelEvent} carries that record again in base64 (4/3 again): 6 MiB grow to about 10.7 MiB, under the
     * {@link Limits#MODEL_BYTES} (16 MiB) of a model record with room for the head and metadata.
     */
    public static final int MAX_INLINE_BYTES = 6 << 20;

    public static final Setting<String> DIR = Setting.string(
            "dir",
            ".streamtune/artifacts",
            "directory of weights too large for a model record, shared by trainer and scorers (env " + DIR_ENV + ")");
    public static final Setting<Integer> INLINE_MAX_BYTES = Setting.integer(
            "inlineMaxBytes",
            4 << 20,
            0,
            MAX_INLINE_BYTES,
            "weight packs (fine-tuned encoders, CNN backbones) up to this size travel in the model record; larger "
                    + "ones in dir");
    public static final Setting<Duration> GC_MIN_AGE = Setting.duration(
            "gcMinAge",
            Duration.ofHours(1),
            Duration.ZERO,
            "blobs no retained version references are deleted once older than this");
    /** Every declared setting of the section. */
    public static final List<Setting<?>> SETTINGS = List.of(DIR, INLINE_MAX_BYTES, GC_MIN_AGE);

    public ArtifactSettings {
        if (dir == null
                || inlineMaxBytes < 0
                || inlineMaxBytes > MAX_INLINE_BYTES
                || gcMinAge == null
                || gcMinAge.isNegative()) {
            throw new IllegalArgumentException("artifacts: dir, inlineMaxBytes in [0, " + MAX_INLINE_BYTES
                    + "] and a gcMinAge >= 0 are required, got " + dir + ", " + inlineMaxBytes + ", " + gcMinAge);
        }
    }

    /** The defaults ({@code .streamtune/artifacts}, 4 MiB inline, 1 h). */
    public static ArtifactSettings defaults() {
        return new ArtifactSettings(
                Path.of(DIR.defaultValue()), INLINE_MAX_BYTES.defaultValue(), GC_MIN_AGE.defaultValue());
    }

    /** A copy with another directory. */
    public ArtifactSettings withDir(Path d) {
        return new ArtifactSettings(d, inlineMaxBytes, gcMinAge);
    }
}
