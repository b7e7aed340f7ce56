package io.streamtune.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import io.streamtune.broker.EmbeddedKafkaBroker;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "broker", mixinStandardHelpOptions = true,
        description = {"Runs a real single-node Kafka broker (KRaft) in this process until Ctrl-C.",
                "Data is kept in --data between runs."})
final class BrokerCommand implements Callable<Integer> {
    @Option(names = "--data", paramLabel = "DIR", defaultValue = ".streamtune/kafka", description = "data directory (default: ${DEFAULT-VALUE})")
    Path data;

    @Option(names = "--port", paramLabel = "P", defaultValue = "9092", description = "client port (default: ${DEFAULT-VALUE})")
    int port;

    @Override
    public Integer call() throws Exception {
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(data, port);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            broker.close();
            stopped.countDown();
        }, "broker-stop"));
        System.out.println("Kafka broker ready at " + broker.bootstrapServers() + " (data in " + data.toAbsolutePath()
                + "); Ctrl-C stops it");
        stopped.await();
        return 0;
    }
}
