package io.streamtune.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import io.streamtune.common.nlp.EncoderException;
import io.streamtune.common.nlp.Encoders;
import io.streamtune.common.nlp.OnnxTextEncoder;
import io.streamtune.common.nlp.TextEncoder;

/**
 * {@code streamtune bench}: micro-benchmarks. A parent command; subcommands measure one thing
 * each: {@code encoder} (encoder throughput), {@code scoring} (end to end through Kafka Streams) and
 * {@code monitor} (predictions/s through the monitoring topology, memory with many entities) and
 * {@code faults} (the fault suite: components as separate processes, killed and restarted).
 */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = "Benchmarks (see subcommands).",
        subcommands = {
            BenchCommand.EncoderBench.class,
            BenchScoringCommand.class,
            BenchMonitorCommand.class,
            BenchFaultsCommand.class,
            BenchFinetuneCommand.class
        })
public class BenchCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] a) {
        System.exit(new CommandLine(new BenchCommand()).execute(a));
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Sentences per second per encoder and batch size, on generated review-like sentences. */
    @Command(
            name = "encoder",
            mixinStandardHelpOptions = true,
            description = "Encoder throughput (sentences/s) per encoder and batch size, after warm-up.")
    public static final class EncoderBench implements Callable<Integer> {

        @Option(
                names = "--encoders",
                split = ",",
                defaultValue = "all-minilm-l6-v2,all-minilm-l6-v2-q,bge-small-en-v1.5,bge-small-en-v1.5-q",
                description = "encoder ids (default: ${DEFAULT-VALUE})")
        List<String> encoders;

        @Option(
                names = "--batches",
                split = ",",
                defaultValue = "1,8,32,64",
                description = "batch sizes (default: ${DEFAULT-VALUE})")
        List<Integer> batches;

        @Option(
                names = "--seconds",
                defaultValue = "5",
                description = "measured seconds per encoder and batch size (default: ${DEFAULT-VALUE})")
        double seconds;

        @Option(
                names = "--max-length",
                defaultValue = "128",
                description = "encoder max sequence length (default: ${DEFAULT-VALUE})")
        int maxLength;

        @Option(
                names = "--seed",
                defaultValue = "7",
                description = "seed of the generated sentences (default: ${DEFAULT-VALUE})")
        long seed;

        @Override
        public Integer call() {
            PrintStream out = System.out;
            List<String> english = ReviewSentences.english(2000, seed);
            List<String> chinese = ReviewSentences.chinese(2000, seed);
            ArrayNode results = new ObjectMapper().createArrayNode();
            out.printf("%-22s %6s %12s %10s%n", "encoder", "batch", "sentences/s", "tokens");
            for (String id : encoders) {
                List<String> pool = id.contains("-zh") ? chinese : english;
                try (TextEncoder enc = Encoders.open(id, maxLength)) {
                    double meanTokens = meanTokens(enc, pool);
                    // Warm-up: ONNX Runtime allocates and optimises on the first runs of each shape.
                    for (int i = 0; i < 3; i++) {
                        enc.encode(pool.subList(i * 64, i * 64 + 64));
                    }
                    for (int batch : batches) {
                        long done = 0;
                        int cursor = 0;
                        long deadline = System.nanoTime() + (long) (seconds * 1e9);
                        long t0 = System.nanoTime();
                        while (System.nanoTime() < deadline) {
                            if (cursor + batch > pool.size()) {
                                cursor = 0;
                            }
                            enc.encode(pool.subList(cursor, cursor + batch));
                            cursor += batch;
                            done += batch;
                        }
                        double rate = done / ((System.nanoTime() - t0) / 1e9);
                        out.printf("%-22s %6d %12.1f %10.1f%n", id, batch, rate, meanTokens);
                        ObjectNode r = results.addObject();
                        r.put("encoder", id);
                        r.put("batch", batch);
                        r.put("sentencesPerSecond", Math.round(rate * 10) / 10.0);
                        r.put("meanTokens", Math.round(meanTokens * 10) / 10.0);
                    }
                } catch (EncoderException e) {
                    System.err.println(e.getMessage());
                    return 2;
                }
            }
            ObjectNode json = new ObjectMapper().createObjectNode();
            json.put("bench", "encoder");
            json.put("secondsPerPoint", seconds);
            json.put("cores", Runtime.getRuntime().availableProcessors());
            json.set("results", results);
            out.println(json);
            return 0;
        }

        private static double meanTokens(TextEncoder enc, List<String> pool) {
            if (!(enc instanceof OnnxTextEncoder onnx)) {
                return Double.NaN;
            }
            long sum = 0;
            int n = Math.min(500, pool.size());
            for (int i = 0; i < n; i++) {
                sum += onnx.tokenIds(pool.get(i)).length;
            }
            return (double) sum / n;
        }
    }

    /** Generates varied review-like sentences (seeded), roughly 10 to 50 tokens each. */
    static final class ReviewSentences {
        private ReviewSentences() {}

        private static final String[] OPEN = {
            "Honestly,",
            "To be fair,",
            "Overall",
            "I have to say",
            "After three nights,",
            "",
            "",
            "We booked last minute and",
            "My wife and I felt that",
            "For the price,"
        };
        private static final String[] SUBJECT = {
            "the room",
            "the staff",
            "the breakfast buffet",
            "the location near the station",
            "the customer service",
            "this phone",
            "the delivery",
            "the movie",
            "the battery life",
            "the checkout process",
            "the pool area",
            "the Wi-Fi"
        };
        private static final String[] VERDICT = {
            "was absolutely wonderful",
            "was a total disappointment",
            "could have been better",
            "exceeded our expectations",
            "was fine but nothing special",
            "was dirty and noisy",
            "felt overpriced",
            "was friendly and helpful",
            "broke after two days",
            "arrived on time"
        };
        private static final String[] TAIL = {
            ".",
            ", and we would definitely come back.",
            ", although parking was a nightmare.",
            ", so I asked for a refund.",
            " and the kids loved it.",
            ", which is why I am giving it two stars out of five.",
            ", but the manager fixed everything within an hour, which I really appreciated.",
            "!"
        };
        private static final String[] ZH_SUBJECT = {"房间", "服务员", "早餐", "位置", "快递", "手机", "电影", "前台", "卫生间"};
        private static final String[] ZH_VERDICT = {
            "非常干净，住得很舒服", "太差了，再也不会来了", "还可以，性价比一般", "比想象中好很多", "很吵，晚上睡不好", "态度很好，办理入住很快", "有点贵，但是值得"
        };
        private static final String[] ZH_TAIL = {"。", "，下次还会再来。", "，总体来说比较满意。", "，不推荐。", "！"};

        static List<String> english(int n, long seed) {
            Random r = new Random(seed);
            List<String> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                StringBuilder sb = new StringBuilder();
                String open = pick(OPEN, r);
                if (!open.isEmpty()) {
                    sb.append(open).append(' ');
                }
                sb.append(pick(SUBJECT, r)).append(' ').append(pick(VERDICT, r)).append(pick(TAIL, r));
                if (r.nextInt(3) == 0) {
                    sb.append(' ')
                            .append(capitalise(pick(SUBJECT, r)))
                            .append(' ')
                            .append(pick(VERDICT, r))
                            .append(pick(TAIL, r));
                }
                out.add(capitalise(sb.toString()));
            }
            return out;
        }

        static List<String> chinese(int n, long seed) {
            Random r = new Random(seed);
            List<String> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                String s = pick(ZH_SUBJECT, r) + pick(ZH_VERDICT, r) + pick(ZH_TAIL, r);
                if (r.nextBoolean()) {
                    s += pick(ZH_SUBJECT, r) + pick(ZH_VERDICT, r) + pick(ZH_TAIL, r);
                }
                out.add(s);
            }
            return out;
        }

        private static String pick(String[] a, Random r) {
            return a[r.nextInt(a.length)];
        }

        private static String capitalise(String s) {
            return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
        }
    }
}
