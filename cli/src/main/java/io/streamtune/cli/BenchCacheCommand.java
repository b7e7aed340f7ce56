package io.streamtune.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import io.streamtune.cli.files.JsonlExamples;
import io.streamtune.common.model.Classification;
import io.streamtune.common.model.ModelInput;
import io.streamtune.common.model.ModelVersion;
import io.streamtune.common.serde.Json;
import io.streamtune.scoring.model.ModelHandle;
import io.streamtune.scoring.model.ScoreCache;

/**
 * {@code streamtune bench cache}: the hit rate {@code scoring.cache.entries} would have on a stream of
 * texts. The texts of JSONL files are looked up and stored, one after the other, in the scorer's own
 * {@link ScoreCache} under one model version (a swap starts it empty, so this is the best case). No model
 * runs. Also counts the texts that repeat only once links are removed (tweets that share a headline
 * but carry different short links), which an exact cache cannot serve. The last stdout line is JSON.
 */
@Command(
        name = "cache",
        mixinStandardHelpOptions = true,
        description =
                "Hit rate of the scorer's score cache (scoring.cache.entries) on the texts of JSONL files, in order.")
public final class BenchCacheCommand implements Callable<Integer> {
    private static final Pattern LINK = Pattern.compile("https?://\\S+");

    @Option(
            names = "--texts",
            split = ",",
            required = true,
            paramLabel = "FILE",
            description =
                    "JSONL files whose \"text\" fields are the stream, in file order, e.g. "
                            + "../shared/data/twitter_financial_news_sentiment/train.jsonl,../shared/data/twitter_financial_news_sentiment/validation.jsonl")
    List<Path> files;

    @Option(
            names = "--entries",
            split = ",",
            defaultValue = "1000,10000,100000",
            description = "cache sizes to try (default: ${DEFAULT-VALUE})")
    List<Integer> sizes;

    @Option(names = "--shuffle", description = "seed: replay the texts in a seeded random order instead of file order")
    Long shuffleSeed;

    @Override
    public Integer call() throws Exception {
        List<String> texts = new ArrayList<>();
        for (Path f : files) {
            if (!Files.isRegularFile(f)) {
                System.out.println("skipped: " + f
                        + " is not there (the public data sets are read by path, see ../shared/data/README.md)");
                System.out.println(Json.writeString(Map.of("skipped", "missing " + f)));
                return 0;
            }
            JsonlExamples.read(f).forEach(e -> texts.add(e.text()));
        }
        if (shuffleSeed != null) {
            java.util.Collections.shuffle(texts, new Random(shuffleSeed));
        }
        Set<String> exact = new HashSet<>();
        Set<String> withoutLinks = new HashSet<>();
        int linkOnlyRepeats = 0;
        for (String t : texts) {
            boolean seen = !exact.add(t);
            if (!withoutLinks.add(LINK.matcher(t).replaceAll("").strip()) && !seen) {
                linkOnlyRepeats++;
            }
        }
        ModelHandle version = new ModelHandle(
                new ModelVersion(
                        ModelVersion.FORMAT_VERSION,
                        "bench",
                        1,
                        null,
                        "none",
                        "00",
                        List.of("a", "b"),
                        null,
                        List.of(),
                        0,
                        null),
                new ModelHandle.Model() {
                    @Override
                    public List<Classification> classify(List<ModelInput> inputs) {
                        throw new UnsupportedOperationException("no model runs in bench cache");
                    }

                    @Override
                    public void close() {}
                },
                0);
        Classification any = new Classification("a", 0, Map.of("a", 1.0, "b", 0.0));
        Map<String, Object> rates = new LinkedHashMap<>();
        System.out.printf(
                "%d texts (%s, %s), %d distinct; %d more repeat once links are removed%n",
                texts.size(),
                files.stream().map(p -> p.getFileName().toString()).toList(),
                shuffleSeed == null ? "file order" : "shuffled",
                exact.size(),
                linkOnlyRepeats);
        for (int size : sizes) {
            ScoreCache cache = new ScoreCache(size);
            for (String t : texts) {
                String key = cache.key(version, new ModelInput.Text(t));
                if (cache.get(key) == null) {
                    cache.put(key, any);
                }
            }
            double rate = (double) cache.hits() / texts.size();
            System.out.printf(
                    "  %,d entries: %d hits in %d lookups (%.3f%%)%n", size, cache.hits(), texts.size(), 100 * rate);
            rates.put(Integer.toString(size), Math.round(rate * 1_000_000) / 1_000_000.0);
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("texts", texts.size());
        json.put("distinct", exact.size());
        json.put("repeatOnlyWithoutLinks", linkOnlyRepeats);
        json.put("order", shuffleSeed == null ? "file" : "shuffled " + shuffleSeed);
        json.put("hitRateByEntries", rates);
        System.out.println(Json.writeString(json));
        return 0;
    }
}
