package io.streamtune.common.image;

/**
 * Centre-square crop and separable resize of an image given row by row. Shrinking averages the
 * source area each output pixel covers (a box filter over exact pixel fractions); enlarging
 * interpolates bilinearly between pixel centres ({@code s = (j + 0.5) * n / m - 0.5}, edges
 * clamped). Rows are resized horizontally as they are read, so memory is one source row plus
 * {@code side x size} values per channel, whatever the source size.
 */
final class Resampler {

    /** Supplies source rows: {@code out[c][0, width)} receives row {@code y} from column {@code x0}. */
    interface Rows {
        void read(int y, int x0, int width, float[][] out);
    }

    private Resampler() {}

    /**
     * @return uint8 pixels {@code [channels, size, size]}, rounded to the nearest integer
     */
    static byte[] cropAndResize(Rows rows, int width, int height, int channels, int size) {
        int side = Math.min(width, height);
        int x0 = (width - side) / 2;
        int y0 = (height - side) / 2;
        Kernel kernel = Kernel.of(side, size);
        float[][] row = new float[channels][side];
        float[][][] horizontal = new float[channels][side][size];
        for (int y = 0; y < side; y++) {
            rows.read(y0 + y, x0, side, row);
            for (int c = 0; c < channels; c++) {
                kernel.apply(row[c], horizontal[c][y]);
            }
        }
        byte[] out = new byte[channels * size * size];
        float[] column = new float[side];
        float[] resized = new float[size];
        for (int c = 0; c < channels; c++) {
            for (int x = 0; x < size; x++) {
                for (int y = 0; y < side; y++) {
                    column[y] = horizontal[c][y][x];
                }
                kernel.apply(column, resized);
                for (int y = 0; y < size; y++) {
                    int v = Math.round(resized[y]);
                    out[(c * size + y) * size + x] = (byte) Math.max(0, Math.min(255, v));
                }
            }
        }
        return out;
    }

    /** Weights from n source samples to m output samples: output j = sum of weight[j][k] * in[start[j] + k]. */
    private record Kernel(int[] start, float[][] weight) {

        static Kernel of(int n, int m) {
            int[] start = new int[m];
            float[][] weight = new float[m][];
            for (int j = 0; j < m; j++) {
                if (m == n) {
                    start[j] = j;
                    weight[j] = new float[] {1f};
                } else if (m < n) {
                    double lo = (double) j * n / m;
                    double hi = (double) (j + 1) * n / m;
                    int first = (int) Math.floor(lo);
                    int last = Math.min(n, (int) Math.ceil(hi));
                    start[j] = first;
                    weight[j] = new float[last - first];
                    for (int i = first; i < last; i++) {
                        weight[j][i - first] = (float) ((Math.min(hi, i + 1) - Math.max(lo, i)) / (hi - lo));
                    }
                } else {
                    double s = (j + 0.5) * n / m - 0.5;
                    int i0 = (int) Math.floor(s);
                    double f = s - i0;
                    if (i0 < 0) {
                        start[j] = 0;
                        weight[j] = new float[] {1f};
                    } else if (i0 >= n - 1) {
                        start[j] = n - 1;
                        weight[j] = new float[] {1f};
                    } else {
                        start[j] = i0;
                        weight[j] = new float[] {(float) (1 - f), (float) f};
                    }
                }
            }
            return new Kernel(start, weight);
        }

        void apply(float[] in, float[] out) {
            for (int j = 0; j < out.length; j++) {
                float[] w = weight[j];
                int s = start[j];
                float sum = 0;
                for (int k = 0; k < w.length; k++) {
                    sum += w[k] * in[s + k];
                }
                out[j] = sum;
            }
        }
    }
}
