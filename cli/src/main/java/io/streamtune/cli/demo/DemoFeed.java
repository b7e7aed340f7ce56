package io.streamtune.cli.demo;

import java.util.List;
import java.util.Random;

/**
 * Generates labelled sentences for the demo tasks from templates and word lists. The language is
 * varied enough that a model has to generalise (templates are shared between labels, a small
 * share of labels is noisy), and the same seed gives the same feed.
 *
 * <pre>{@code
 * DemoFeed feed = new DemoFeed(7);
 * DemoFeed.Sample s = feed.next(DemoFeed.Domain.FINANCE);   // s.text(), s.label()
 * }</pre>
 */
public final class DemoFeed {
    /** The two demo tasks, their label sets (the order of the config file) and how often each label comes. */
    public enum Domain {
        REVIEWS("reviews", List.of("negative", "neutral", "positive"), new double[] {1 / 3.0, 1 / 3.0, 1 / 3.0}),
        /**
         * Financial news is mostly neutral: 15% bearish, 65% neutral, 20% bullish, rounded from the Twitter financial
         * news sentiment training set (1,442 bearish, 6,178 neutral, 1,923 bullish of 9,543). A realistic, low share
         * of bearish news is also what makes a surge of it stand out from each company's normal share.
         */
        FINANCE("finance", List.of("bearish", "neutral", "bullish"), new double[] {0.15, 0.65, 0.20});

        private final String task;
        private final List<String> labels;
        private final double[] mix;

        Domain(String task, List<String> labels, double[] mix) {
            this.task = task;
            this.labels = labels;
            this.mix = mix;
        }

        public String task() {
            return task;
        }

        public List<String> labels() {
            return labels;
        }
    }

    /** One generated sentence with its label and the entity it is about. */
    public record Sample(String text, String label, String entity) {}

    private static final String[] PRODUCTS = {
        "headphones",
        "blender",
        "laptop stand",
        "running shoes",
        "coffee maker",
        "phone case",
        "desk lamp",
        "backpack",
        "vacuum cleaner",
        "e-reader",
        "air fryer",
        "keyboard",
        "winter jacket",
        "smartwatch"
    };
    private static final String[] ASPECTS = {
        "battery life",
        "build quality",
        "sound",
        "fit",
        "customer service",
        "delivery",
        "packaging",
        "screen",
        "price",
        "instructions",
        "material",
        "setup"
    };
    private static final String[] POS_REVIEW = {
        "I love this %p, the %a is excellent.",
        "Fantastic %p, the %a exceeded my expectations.",
        "The %a is superb and it arrived early. Highly recommend.",
        "Best %p I have bought in years, great %a.",
        "Works perfectly, the %a is outstanding and worth every penny.",
        "Really happy with the %p, %a is brilliant.",
        "Five stars: the %a is wonderful and the %p feels premium.",
        "My kids adore the new %p, the %a is fantastic."
    };
    private static final String[] NEG_REVIEW = {
        "The %p broke after two days, terrible %a.",
        "Awful %a, I want a refund for this %p.",
        "Do not buy this %p, the %a is a disaster.",
        "Very disappointed: the %a is poor and it stopped working.",
        "Worst %p ever, the %a is cheap and flimsy.",
        "The %a is horrible and support never answered.",
        "Returned the %p, the %a was defective and useless.",
        "One star. The %a fell apart within a week."
    };
    private static final String[] NEU_REVIEW = {
        "The %p arrived on Tuesday in a brown box.",
        "It is a %p, the %a is about what the description says.",
        "Average %a, nothing special either way.",
        "The %p comes in three colours; I picked the grey one.",
        "Bought the %p last month, the %a is okay.",
        "The %a is as expected for the price.",
        "I use the %p mostly on weekends.",
        "The %p replaced my old one, the %a is similar."
    };

    private static final String[] COMPANIES = {
        "Acme Corp",
        "Globex",
        "Initech",
        "Umbrella Holdings",
        "Stark Industries",
        "Wayne Enterprises",
        "Hooli",
        "Vandelay Imports",
        "Soylent Foods",
        "Cyberdyne Systems",
        "Tyrell Corp",
        "Massive Dynamic"
    };
    private static final String[] BULL = {
        "%c shares surge after record quarterly profit",
        "%c beats earnings estimates and raises full-year guidance",
        "%c stock jumps as analysts upgrade to buy",
        "%c rallies on strong demand and expanding margins",
        "%c wins major contract, shares climb to all-time high",
        "Investors cheer %c's better-than-expected revenue growth",
        "%c announces share buyback, stock soars",
        "%c upgraded to outperform on robust sales outlook"
    };
    private static final String[] BEAR = {
        "%c shares plunge after profit warning",
        "%c misses earnings estimates and cuts guidance",
        "%c stock tumbles as analysts downgrade to sell",
        "%c slides on weak demand and shrinking margins",
        "%c loses key contract, shares sink to multi-year low",
        "Investors dump %c after disappointing revenue",
        "%c faces regulatory probe, stock falls sharply",
        "%c downgraded to underperform on falling sales"
    };
    private static final String[] NEUTRAL_FIN = {
        "%c to present at industry conference next week",
        "%c schedules third-quarter earnings call for Thursday",
        "%c names new chief financial officer",
        "%c files annual report with regulators",
        "%c to hold annual shareholder meeting in May",
        "%c completes previously announced office relocation",
        "%c declares regular quarterly dividend",
        "%c appoints two directors to its board"
    };

    private final Random random;
    private final double labelNoise;

    public DemoFeed(long seed) {
        this(seed, 0.03);
    }

    /** @param labelNoise share of samples whose label is replaced by a random one, as in real annotations */
    public DemoFeed(long seed, double labelNoise) {
        this.random = new Random(seed);
        this.labelNoise = labelNoise;
    }

    public Sample next(Domain domain) {
        return next(domain, domain == Domain.REVIEWS ? pick(PRODUCTS) : pick(COMPANIES), label(domain));
    }

    /** A sample about one of {@code entities}, chosen at random (the demo's monitored companies). */
    public Sample next(Domain domain, List<String> entities) {
        return next(domain, entities.get(random.nextInt(entities.size())), label(domain));
    }

    /** A sample about {@code entity} with the label at {@code labelIndex} (0: negative/bearish), e.g. a scripted surge. */
    public Sample next(Domain domain, String entity, int labelIndex) {
        int label = labelIndex;
        String text;
        if (domain == Domain.REVIEWS) {
            String[] templates = label == 0 ? NEG_REVIEW : label == 1 ? NEU_REVIEW : POS_REVIEW;
            text = pick(templates).replace("%p", entity).replace("%a", pick(ASPECTS));
        } else {
            String[] templates = label == 0 ? BEAR : label == 1 ? NEUTRAL_FIN : BULL;
            text = pick(templates).replace("%c", entity);
        }
        if (random.nextDouble() < labelNoise) {
            label = random.nextInt(3);
        }
        return new Sample(text, domain.labels().get(label), entity);
    }

    /**
     * A record that must end in the dead-letter topic, in one of the ways real producers get it
     * wrong. A label outside the task's set only makes an example invalid: an event's label is ignored.
     */
    public String malformed(Domain domain, String id, boolean example) {
        return switch (random.nextInt(example ? 4 : 3)) {
            case 0 -> "{\"id\":\"" + id + "\",\"text\":\"truncated record";
            case 1 ->
                "{\"text\":\"record without an id\",\"label\":\""
                        + domain.labels().get(1) + "\"}";
            case 2 ->
                "{\"id\":\"" + id + "\",\"text\":\"   \",\"label\":\""
                        + domain.labels().get(0) + "\"}";
            default -> "{\"id\":\"" + id + "\",\"text\":\"label outside the task\",\"label\":\"maybe\"}";
        };
    }

    /** A label index drawn from the domain's label mix. */
    private int label(Domain domain) {
        double r = random.nextDouble();
        for (int i = 0; i < domain.mix.length - 1; i++) {
            r -= domain.mix[i];
            if (r < 0) {
                return i;
            }
        }
        return domain.mix.length - 1;
    }

    private String pick(String[] options) {
        return options[random.nextInt(options.length)];
    }
}
