package io.streamtune.scoring.topology;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A valid event waiting in the batch / hold-back store: the original record (key, value,
 * headers, timestamp, source coordinates) so that it can still go to the DLQ unchanged, plus the
 * wall-clock time it was buffered (for the max-wait flush).
 */
record BufferedEvent(
        String topic,
        int partition,
        long offset,
        long timestamp,
        long bufferedAtMillis,
        byte[] key,
        byte[] value,
        Headers headers) {
    private static final byte FORMAT = 1;

    static Serde<BufferedEvent> serde() {
        Serializer<BufferedEvent> ser = (topic, e) -> e == null ? null : e.toBytes();
        Deserializer<BufferedEvent> de = (topic, b) -> b == null ? null : fromBytes(b);
        return Serdes.serdeFrom(ser, de);
    }

    byte[] toBytes() {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + (value == null ? 0 : value.length));
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeByte(FORMAT);
            out.writeUTF(topic == null ? "" : topic);
            out.writeInt(partition);
            out.writeLong(offset);
            out.writeLong(timestamp);
            out.writeLong(bufferedAtMillis);
            writeBytes(out, key);
            writeBytes(out, value);
            Header[] hs = headers == null ? new Header[0] : headers.toArray();
            out.writeInt(hs.length);
            for (Header h : hs) {
                writeBytes(out, h.key().getBytes(StandardCharsets.UTF_8));
                writeBytes(out, h.value());
            }
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static BufferedEvent fromBytes(byte[] b) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(b))) {
            byte format = in.readByte();
            if (format != FORMAT) {
                throw new IllegalStateException("buffered event format " + format + " is not supported");
            }
            String topic = in.readUTF();
            int partition = in.readInt();
            long offset = in.readLong();
            long ts = in.readLong();
            long bufferedAt = in.readLong();
            byte[] key = readBytes(in);
            byte[] value = readBytes(in);
            int n = in.readInt();
            RecordHeaders headers = new RecordHeaders();
            for (int i = 0; i < n; i++) {
                headers.add(new String(readBytes(in), StandardCharsets.UTF_8), readBytes(in));
            }
            return new BufferedEvent(topic, partition, offset, ts, bufferedAt, key, value, headers);
        } catch (IOException e) {
            throw new UncheckedIOException("corrupt buffered event", e);
        }
    }

    private static void writeBytes(DataOutputStream out, byte[] b) throws IOException {
        if (b == null) {
            out.writeInt(-1);
        } else {
            out.writeInt(b.length);
            out.write(b);
        }
    }

    private static byte[] readBytes(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0) {
            return null;
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return b;
    }
}
