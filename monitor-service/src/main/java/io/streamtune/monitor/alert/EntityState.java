package io.streamtune.monitor.alert;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

/**
 * Everything the surge detector keeps about one entity, as one value of a changelogged store:
 * a ring of hop-sized slots (one per {@code advance}; a window is the sum of {@code window/advance}
 * consecutive slots, so a prediction updates one slot instead of every hopping window it falls in;
 * the ring holds a few more slots than a window, for the windows still within their grace),
 * the entity's baseline share of the alert label and whether an alert is raised.
 *
 * <p>Mutable on purpose: read, changed and written back once per prediction on the stream thread.
 */
public final class EntityState {
    /** Ids kept per slot as evidence, and model versions kept per slot. */
    static final int EVIDENCE_PER_SLOT = 2;

    static final int VERSIONS_PER_SLOT = 4;

    /** One hop of predictions. */
    static final class Slot {
        long start = -1;
        final int[] counts;
        long firstAlertTs = -1;
        final List<Long> versions = new ArrayList<>(1);
        final List<String> evidence = new ArrayList<>(EVIDENCE_PER_SLOT);

        Slot(int labels) {
            counts = new int[labels];
        }

        void reset(long newStart) {
            start = newStart;
            Arrays.fill(counts, 0);
            firstAlertTs = -1;
            versions.clear();
            evidence.clear();
        }

        int total() {
            int t = 0;
            for (int c : counts) {
                t += c;
            }
            return t;
        }
    }

    final Slot[] slots;
    long lastSeenSlot = -1;
    double mean;
    double variance;
    long windows;
    boolean raised;
    long raisedWindowEnd = -1;

    EntityState(int ring, int labels) {
        slots = new Slot[ring];
        for (int i = 0; i < ring; i++) {
            slots[i] = new Slot(labels);
        }
    }

    /**
     * Adds a prediction to the slot starting at {@code slotStart}.
     *
     * @return false when the ring no longer holds that slot (older than every slot kept): not counted
     */
    boolean add(long slotStart, long advanceMs, int label, int alertLabel, long version, String id, long eventTime) {
        Slot s = slots[(int) Math.floorMod(slotStart / advanceMs, (long) slots.length)];
        if (s.start != slotStart) {
            if (s.start > slotStart) {
                return false;
            }
            s.reset(slotStart);
        }
        s.counts[label]++;
        if (!s.versions.contains(version) && s.versions.size() < VERSIONS_PER_SLOT) {
            s.versions.add(version);
        }
        if (label == alertLabel) {
            if (s.firstAlertTs < 0 || eventTime < s.firstAlertTs) {
                s.firstAlertTs = eventTime;
            }
            if (s.evidence.size() == EVIDENCE_PER_SLOT) {
                s.evidence.remove(0);
            }
            s.evidence.add(id);
        }
        lastSeenSlot = Math.max(lastSeenSlot, slotStart);
        return true;
    }

    /** The slots of the window {@code [start, end)}, oldest first. */
    List<Slot> window(long start, long end) {
        List<Slot> in = new ArrayList<>(slots.length);
        for (Slot s : slots) {
            if (s.start >= start && s.start < end) {
                in.add(s);
            }
        }
        in.sort((a, b) -> Long.compare(a.start, b.start));
        return in;
    }

    static long[] counts(List<Slot> window, int labels) {
        long[] c = new long[labels];
        for (Slot s : window) {
            for (int i = 0; i < labels; i++) {
                c[i] += s.counts[i];
            }
        }
        return c;
    }

    static List<Long> versions(List<Slot> window) {
        TreeSet<Long> v = new TreeSet<>();
        window.forEach(s -> v.addAll(s.versions));
        return List.copyOf(v);
    }

    /** Up to {@code max} evidence ids of the window, newest last. */
    static List<String> evidence(List<Slot> window, int max) {
        List<String> all = new ArrayList<>();
        window.forEach(s -> all.addAll(s.evidence));
        return List.copyOf(all.subList(Math.max(0, all.size() - max), all.size()));
    }

    /**
     * Adds a window's share to the baseline: exponentially weighted mean and variance in the
     * incremental form of Finch (2009), "Incremental calculation of weighted mean and variance".
     */
    void updateBaseline(double share, double alpha) {
        if (windows == 0) {
            mean = share;
            variance = 0;
        } else {
            double diff = share - mean;
            double incr = alpha * diff;
            mean += incr;
            variance = (1 - alpha) * (variance + diff * incr);
        }
        windows++;
    }

    double spread() {
        return Math.sqrt(Math.max(0, variance));
    }

    byte[] toBytes() {
        List<byte[]> strings = new ArrayList<>();
        int size = 8 + 8 + 8 + 8 + 1 + 8 + 4 + 4;
        int labels = slots[0].counts.length;
        for (Slot s : slots) {
            size += 8 + 4 * labels + 8 + 1 + 8 * s.versions.size() + 1;
            for (String e : s.evidence) {
                byte[] b = e.getBytes(StandardCharsets.UTF_8);
                strings.add(b);
                size += 4 + b.length;
            }
        }
        ByteBuffer b = ByteBuffer.allocate(size);
        b.putInt(slots.length).putInt(labels);
        b.putLong(lastSeenSlot)
                .putDouble(mean)
                .putDouble(variance)
                .putLong(windows)
                .put((byte) (raised ? 1 : 0))
                .putLong(raisedWindowEnd);
        int e = 0;
        for (Slot s : slots) {
            b.putLong(s.start);
            for (int c : s.counts) {
                b.putInt(c);
            }
            b.putLong(s.firstAlertTs);
            b.put((byte) s.versions.size());
            for (long v : s.versions) {
                b.putLong(v);
            }
            b.put((byte) s.evidence.size());
            for (int i = 0; i < s.evidence.size(); i++) {
                byte[] id = strings.get(e++);
                b.putInt(id.length).put(id);
            }
        }
        return b.array();
    }

    /**
     * Reads a stored state; a state written for another window shape (the configuration changed)
     * keeps its baseline and alert state and starts with empty slots.
     */
    static EntityState fromBytes(byte[] bytes, int ring, int labels) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        int storedHops = b.getInt();
        int storedLabels = b.getInt();
        EntityState st = new EntityState(ring, labels);
        st.lastSeenSlot = b.getLong();
        st.mean = b.getDouble();
        st.variance = b.getDouble();
        st.windows = b.getLong();
        st.raised = b.get() == 1;
        st.raisedWindowEnd = b.getLong();
        boolean sameShape = storedHops == ring && storedLabels == labels;
        for (int i = 0; i < storedHops; i++) {
            Slot s = sameShape ? st.slots[i] : new Slot(storedLabels);
            s.start = b.getLong();
            for (int l = 0; l < storedLabels; l++) {
                s.counts[l] = b.getInt();
            }
            s.firstAlertTs = b.getLong();
            int nv = b.get();
            for (int v = 0; v < nv; v++) {
                s.versions.add(b.getLong());
            }
            int ne = b.get();
            for (int k = 0; k < ne; k++) {
                byte[] id = new byte[b.getInt()];
                b.get(id);
                s.evidence.add(new String(id, StandardCharsets.UTF_8));
            }
        }
        return st;
    }
}
