package io.streamtune.common.model;

import java.util.Arrays;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class TensorPackTest {

    private static TensorPack sample(String firstName) {
        return TensorPack.builder()
                .attribute("mode", "lora")
                .tensor(firstName, new int[] {2, 3}, new float[] {1, 2, 3, 4, 5, -6.5f})
                .tensor("b.bias", new int[] {3}, new float[] {0.25f, Float.MIN_VALUE, -0f})
                .build();
    }

    @Test
    void shouldRoundTripTensorsAndAttributes() throws ArtifactException {
        TensorPack p = sample("a.weight");
        TensorPack back = TensorPack.decode(p.encode());
        assertEquals(p.attributes(), back.attributes());
        assertArrayEquals(new int[] {2, 3}, back.tensor("a.weight").shape());
        assertArrayEquals(p.tensor("a.weight").values(), back.tensor("a.weight").values());
        assertArrayEquals(p.tensor("b.bias").values(), back.tensor("b.bias").values());
        assertEquals(9, back.valueCount());
    }

    @Test
    void shouldEncodeTheSameContentToTheSameBytesWhateverTheInsertionOrder() {
        TensorPack one = sample("a.weight");
        TensorPack two = TensorPack.builder()
                .tensor("b.bias", new int[] {3}, new float[] {0.25f, Float.MIN_VALUE, -0f})
                .tensor("a.weight", new int[] {2, 3}, new float[] {1, 2, 3, 4, 5, -6.5f})
                .attribute("mode", "lora")
                .build();
        assertArrayEquals(one.encode(), two.encode());
        assertEquals(one.sha256(), two.sha256());
    }

    @Test
    void shouldRejectTruncatedAndForeignBytes() {
        byte[] bytes = sample("a.weight").encode();
        ArtifactException truncated =
                assertThrows(ArtifactException.class, () -> TensorPack.decode(Arrays.copyOf(bytes, bytes.length - 5)));
        assertEquals(ArtifactException.Reason.TRUNCATED, truncated.reason());
        ArtifactException foreign =
                assertThrows(ArtifactException.class, () -> TensorPack.decode("{\"not\":\"a pack\"}".getBytes()));
        assertEquals(ArtifactException.Reason.MALFORMED, foreign.reason());
        byte[] trailing = Arrays.copyOf(bytes, bytes.length + 3);
        assertEquals(
                ArtifactException.Reason.MALFORMED,
                assertThrows(ArtifactException.class, () -> TensorPack.decode(trailing))
                        .reason());
    }

    @Test
    void shouldRefuseAShapeThatDoesNotMatchItsValues() {
        assertThrows(
                IllegalArgumentException.class, () -> TensorPack.builder().tensor("x", new int[] {2, 2}, new float[3]));
    }
}
