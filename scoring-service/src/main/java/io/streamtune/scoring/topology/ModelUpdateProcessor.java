package io.streamtune.scoring.topology;

import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.streamtune.scoring.model.ModelRegistry;

/**
 * Keeps the global model store (key = task, value = newest artifact bytes) and hands every
 * model record to the {@link ModelRegistry}, which validates and loads it off this thread.
 *
 * <p>The global store is restored before the application turns RUNNING; whether restoration
 * replays records through this processor or copies them into the store, {@link #init} offers
 * what the store holds, so a restarted instance starts on the newest model.
 */
final class ModelUpdateProcessor implements Processor<String, byte[], Void, Void> {
    private static final Logger log = LoggerFactory.getLogger(ModelUpdateProcessor.class);

    private final String storeName;
    private final ModelRegistry models;
    private KeyValueStore<String, byte[]> store;

    ModelUpdateProcessor(String storeName, ModelRegistry models) {
        this.storeName = storeName;
        this.models = models;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        store = context.getStateStore(storeName);
        try (KeyValueIterator<String, byte[]> it = store.all()) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> kv = it.next();
                models.offer(kv.key, kv.value);
            }
        }
    }

    @Override
    public void process(Record<String, byte[]> record) {
        String task = record.key();
        if (task == null) {
            log.warn("[scoring] ignoring a model record without a key (the key must be the task name)");
            return;
        }
        if (record.value() == null) {
            // A tombstone retires the record, not the model in service: keep serving the champion.
            store.delete(task);
            log.info("[scoring task={}] model record deleted; the version in service stays", task);
            return;
        }
        store.put(task, record.value());
        models.offer(task, record.value());
    }
}
