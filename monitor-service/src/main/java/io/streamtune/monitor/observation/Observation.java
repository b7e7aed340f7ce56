package io.streamtune.monitor.observation;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * What the monitor's internal topics carry between its sub-topologies: a prediction reduced to
 * what monitoring needs, a late label, or a joined (prediction, label) pair. Written in a small
 * binary form (every prediction crosses three repartition topics, so JSON would cost).
 *
 * @param kind       which of the three
 * @param id         the event id (predictions and labels)
 * @param entity     the entity attribute's value, or null (predictions)
 * @param label      predicted label index (predictions, pairs) or the true label index (labels)
 * @param truth      the true label index (pairs); -1 otherwise
 * @param confidence the score of the predicted label (predictions)
 * @param version    the model version that predicted (predictions, pairs)
 * @param eventTime  the prediction's event time, epoch ms (predictions)
 */
public record Observation(
        Kind kind, String id, String entity, int label, int truth, float confidence, long version, long eventTime) {
    /** The three kinds of internal record. */
    public enum Kind {
        PREDICTION,
        LABEL,
        PAIR
    }

    public static Observation prediction(
            String id, String entity, int label, float confidence, long version, long eventTime) {
        return new Observation(Kind.PREDICTION, id, entity, label, -1, confidence, version, eventTime);
    }

    public static Observation label(String id, int label) {
        return new Observation(Kind.LABEL, id, null, label, -1, 0f, 0, 0);
    }

    public static Observation pair(long version, int predicted, int truth) {
        return new Observation(Kind.PAIR, null, null, predicted, truth, 0f, version, 0);
    }

    private static final Serde<Observation> SERDE = Serdes.serdeFrom(new Ser(), new De());

    public static Serde<Observation> serde() {
        return SERDE;
    }

    private static final class Ser implements Serializer<Observation> {
        @Override
        public byte[] serialize(String topic, Observation o) {
            if (o == null) {
                return null;
            }
            byte[] id = bytes(o.id);
            byte[] entity = bytes(o.entity);
            ByteBuffer b = ByteBuffer.allocate(1 + 4 + len(id) + 4 + len(entity) + 4 + 4 + 4 + 8 + 8);
            b.put((byte) o.kind.ordinal());
            put(b, id);
            put(b, entity);
            b.putInt(o.label)
                    .putInt(o.truth)
                    .putFloat(o.confidence)
                    .putLong(o.version)
                    .putLong(o.eventTime);
            return b.array();
        }
    }

    private static final class De implements Deserializer<Observation> {
        @Override
        public Observation deserialize(String topic, byte[] data) {
            if (data == null) {
                return null;
            }
            try {
                ByteBuffer b = ByteBuffer.wrap(data);
                Kind kind = Kind.values()[b.get()];
                String id = string(b);
                String entity = string(b);
                return new Observation(
                        kind, id, entity, b.getInt(), b.getInt(), b.getFloat(), b.getLong(), b.getLong());
            } catch (RuntimeException e) {
                throw new SerializationException(
                        "not a monitor observation on " + topic + " (" + data.length + " bytes)", e);
            }
        }
    }

    private static byte[] bytes(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    private static int len(byte[] b) {
        return b == null ? 0 : b.length;
    }

    private static void put(ByteBuffer b, byte[] s) {
        b.putInt(s == null ? -1 : s.length);
        if (s != null) {
            b.put(s);
        }
    }

    private static String string(ByteBuffer b) {
        int n = b.getInt();
        if (n < 0) {
            return null;
        }
        byte[] s = new byte[n];
        b.get(s);
        return new String(s, StandardCharsets.UTF_8);
    }
}
