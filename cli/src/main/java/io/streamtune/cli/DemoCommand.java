package io.streamtune.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import io.streamtune.cli.demo.DemoImages;
import io.streamtune.cli.demo.DemoRun;
import io.streamtune.common.config.Setting;
import io.streamtune.common.config.StreamtuneConfig;
import io.streamtune.common.logging.ServiceLogging;
import io.streamtune.common.serde.Json;
import io.streamtune.monitor.MonitorService;
import io.streamtune.monitor.topology.MonitorTopology;
import io.streamtune.scoring.ScoringService;
import io.streamtune.trainer.TrainerOptions;
import io.streamtune.trainer.TrainerService;

@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description = {
            "The one-command run: an embedded Kafka broker, the trainer, the scorer, the monitor and a demo feed in this process.",
            "Shows labelled examples flowing, each model version going live with its holdout metrics, live predictions",
            "with their versions, throughput and dead letters. Ends after --duration (or on Ctrl-C) and prints as its",
            "last line one JSON object: eventsProduced, predictions, modelVersions, dlq, lost, duplicates,",
            "alertsRaised, alertsCleared, alertDelaySeconds, liveAccuracyByVersion, imageSource, predictionsByTask,",
            "accuracyByTask, firstLiveSeconds (per task: seconds from the feed's start to its first version live), ...",
            "The finance feed scripts a negative surge on one company; the monitor raises and clears its alert.",
            "Beside the two text tasks an image task ('images') trains a small CNN on Fashion-MNIST when its files are",
            "at --fashion-mnist, else on shapes the demo draws (--images says which, or off)."
        })
final class DemoCommand implements Callable<Integer> {
    @Option(
            names = "--duration",
            paramLabel = "D",
            description = "run this long, e.g. 90s or 5m (default: until Ctrl-C)")
    String duration;

    @Option(
            names = "--from-file",
            paramLabel = "F.jsonl",
            description =
                    "replay a labelled {text, label} file as a mix of examples (60%%) and live events, instead of the synthetic feed")
    Path fromFile;

    @Option(names = "--rate", defaultValue = "30", description = "records per second (default: ${DEFAULT-VALUE})")
    double rate;

    @Option(
            names = "--retrain-every",
            defaultValue = "150",
            description = "new examples per task that trigger a retrain (default: ${DEFAULT-VALUE})")
    int retrainEvery;

    @Option(
            names = "--bootstrap",
            paramLabel = "HOST:PORT",
            description = "use this broker instead of starting an embedded one")
    String bootstrap;

    @Option(
            names = "--seed",
            defaultValue = "7",
            description = "seed of the synthetic feed (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(
            names = "--verbose",
            description = "show the services' own INFO logs and Kafka's log here instead of in DIR/kafka.log")
    boolean verbose;

    @Option(
            names = "--data",
            paramLabel = "DIR",
            defaultValue = ".streamtune/demo",
            description = "where the demo writes Kafka's log (kafka.log) and, while it runs, the embedded broker's data"
                    + " (default: ${DEFAULT-VALUE})")
    Path data;

    @Option(
            names = "--images",
            paramLabel = "SOURCE",
            defaultValue = "auto",
            description =
                    "the image task's pictures: auto (Fashion-MNIST when present at --fashion-mnist, else shapes),"
                            + " shapes (drawn by the demo), fashion (Fashion-MNIST, required), off (text tasks only)"
                            + " (default: ${DEFAULT-VALUE})")
    DemoImages.Choice images;

    @Option(
            names = "--fashion-mnist",
            paramLabel = "DIR",
            defaultValue = "../shared/data/fashion_mnist",
            description =
                    "where Fashion-MNIST's IDX files are (train-images-idx3-ubyte.gz, t10k-images-idx3-ubyte.gz and"
                            + " their label files), read as they are (default: ${DEFAULT-VALUE})")
    Path fashionMnist;

    @Option(
            names = "--image-rate",
            paramLabel = "R",
            defaultValue = "8",
            description = "image records per second, on top of --rate (default: ${DEFAULT-VALUE})")
    double imageRate;

    @Override
    public Integer call() throws Exception {
        ServiceLogging.start("demo");
        if (!verbose) {
            // The demo's own lines tell the story: the services' logs stay at WARN, and Kafka's (the embedded
            // broker's and the clients') go to a file, at INFO, where an operator can read them afterwards.
            ServiceLogging.setLevel("io.streamtune", "warn");
            // Without a GPU, DJL and ONNX Runtime warn that CUDA is missing: expected on a laptop.
            ServiceLogging.setLevel("ai.djl", "error");
            Files.createDirectories(data);
            String[] kafkaLoggers = {"kafka", "org.apache.kafka", "state.change.logger", "io.streamtune.broker"};
            Path kafkaLog = ServiceLogging.toFile(data.resolve("kafka.log"), kafkaLoggers);
            for (String kafkaLogger : kafkaLoggers) {
                ServiceLogging.setLevel(kafkaLogger, "info");
            }
            System.out.println(
                    "Kafka's log (embedded broker and clients) goes to " + kafkaLog + " (--verbose shows it here)");
        }
        Duration d = duration == null ? Duration.ofDays(365) : parse(duration);
        DemoRun.Options defaults = DemoRun.Options.defaults(d);
        DemoRun.Options options = new DemoRun.Options(
                d,
                rate,
                fromFile,
                bootstrap,
                retrainEvery,
                seed,
                defaults.malformedShare(),
                duration == null ? Duration.ofSeconds(20) : defaults.drainTimeout(),
                images,
                fashionMnist,
                imageRate);
        DemoRun run = new DemoRun(options, DemoCommand::startServices, System.out).withDataDir(data);
        CountDownLatch finished = new CountDownLatch(1);
        Thread hook = new Thread(
                () -> {
                    run.stop();
                    try {
                        finished.await(60, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                },
                "demo-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            DemoRun.Report report = run.run();
            System.out.println(Json.writeString(report));
            return report.lost() == 0 && report.duplicates() == 0 ? 0 : 4;
        } finally {
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // already shutting down
            }
        }
    }

    /** The trainer, the scorer and (when a task is monitored) the monitor, as their own commands would start them, stopped in reverse order. */
    static AutoCloseable startServices(StreamtuneConfig config) throws Exception {
        TrainerService trainer = new TrainerService(config, TrainerOptions.defaults());
        trainer.start();
        ScoringService scoring;
        MonitorService monitor = null;
        try {
            scoring = new ScoringService(config);
            scoring.start();
        } catch (Exception e) {
            trainer.close();
            throw e;
        }
        if (!MonitorTopology.monitoredTasks(config).isEmpty()) {
            try {
                monitor = new MonitorService(config);
                monitor.start();
            } catch (Exception e) {
                scoring.close();
                trainer.close();
                throw e;
            }
        }
        MonitorService started = monitor;
        return () -> {
            if (started != null) {
                started.close();
            }
            scoring.close();
            trainer.close();
        };
    }

    private static Duration parse(String text) {
        try {
            return Setting.parseDuration(text);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("--duration " + text + ": use e.g. 90s, 5m or 1h");
        }
    }
}
