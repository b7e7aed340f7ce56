package io.streamtune.cli.images;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Image files in a directory. For labelled examples, the ImageFolder layout (as torchvision's
 * {@code ImageFolder} reads it): one sub-folder per label, named by the label, holding that
 * label's images; for events, the image files directly in the directory. Files are taken by
 * extension ({@code .png .jpg .jpeg .gif .bmp}, any case), hidden files and others are skipped,
 * everything in name order. The id of an image is its file name without the extension.
 *
 * <pre>{@code
 * // shapes/train/circle/c-001.png, shapes/train/square/s-001.png, ...
 * List<ImageFolder.Entry> examples = ImageFolder.examples(Path.of("shapes/train"));
 * }</pre>
 */
public final class ImageFolder {

    private static final Set<String> EXTENSIONS = Set.of("png", "jpg", "jpeg", "gif", "bmp");

    /**
     * One image file.
     *
     * @param id    the file name without its extension
     * @param label the sub-folder's name for examples, null for events
     * @param file  where it is
     */
    public record Entry(String id, String label, Path file) {}

    private ImageFolder() {}

    /** Whether a path names an image file this reader takes. */
    public static boolean isImageFile(Path file) {
        String name = file.getFileName() == null ? "" : file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return !name.startsWith(".")
                && dot > 0
                && EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT))
                && Files.isRegularFile(file);
    }

    /**
     * Labelled images: every image file in every sub-folder, labelled with the sub-folder's name.
     *
     * @throws IOException the directory cannot be read, has no labelled image, or two files share an id
     */
    public static List<Entry> examples(Path dir) throws IOException {
        requireDirectory(dir);
        List<Entry> out = new ArrayList<>();
        for (Path sub : sorted(dir)) {
            if (Files.isDirectory(sub) && !sub.getFileName().toString().startsWith(".")) {
                for (Path f : sorted(sub)) {
                    if (isImageFile(f)) {
                        out.add(new Entry(stem(f), sub.getFileName().toString(), f));
                    }
                }
            }
        }
        if (out.isEmpty()) {
            throw new IOException(
                    dir + " has no images in label sub-folders (expected " + dir + "/<label>/<id>.png, ...)");
        }
        return unique(out);
    }

    /**
     * Unlabelled images: the image files directly in {@code dir}.
     *
     * @throws IOException the directory cannot be read, has no image, or two files share an id
     */
    public static List<Entry> events(Path dir) throws IOException {
        requireDirectory(dir);
        List<Entry> out = new ArrayList<>();
        for (Path f : sorted(dir)) {
            if (isImageFile(f)) {
                out.add(new Entry(stem(f), null, f));
            }
        }
        if (out.isEmpty()) {
            throw new IOException(dir + " has no image files (.png, .jpg, .jpeg, .gif, .bmp)");
        }
        return unique(out);
    }

    /** Labels in name order of the sub-folders that hold images. */
    public static List<String> labels(List<Entry> examples) {
        return examples.stream().map(Entry::label).distinct().sorted().toList();
    }

    private static void requireDirectory(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException(dir.toAbsolutePath() + " is not a directory");
        }
    }

    private static List<Path> sorted(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    private static String stem(Path f) {
        String name = f.getFileName().toString();
        return name.substring(0, name.lastIndexOf('.'));
    }

    private static List<Entry> unique(List<Entry> entries) throws IOException {
        Map<String, Path> seen = new HashMap<>();
        for (Entry e : entries) {
            Path before = seen.putIfAbsent(e.id(), e.file());
            if (before != null) {
                throw new IOException("two images have the id '" + e.id() + "' (ids come from file names): " + before
                        + " and " + e.file());
            }
        }
        return entries;
    }
}
