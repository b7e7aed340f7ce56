package io.streamtune.trainer.loop;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.streamtune.common.config.FinetuneMode;
import io.streamtune.common.config.FinetuneOptions;
import io.streamtune.common.config.FinetunePolicy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FinetuneCadenceTest {

    private static FinetuneCadence cadence(FinetuneMode mode, int every) {
        return new FinetuneCadence(new FinetunePolicy(FinetuneOptions.defaults(mode), every));
    }

    @Test
    void shouldBeDueAfterEveryNthHeadAttemptOnly() {
        FinetuneCadence c = cadence(FinetuneMode.LORA, 3);
        List<Integer> startedAt = new ArrayList<>();
        for (int attempt = 1; attempt <= 9; attempt++) {
            c.headAttempted();
            if (c.due()) {
                startedAt.add(attempt);
                c.started();
                c.finished(); // finished before the next head attempt
            }
        }
        assertEquals(List.of(3, 6, 9), startedAt);
    }

    @Test
    void shouldStartEveryAttemptWithEveryOne() {
        FinetuneCadence c = cadence(FinetuneMode.BITFIT, 1);
        assertFalse(c.due(), "no head attempt yet: nothing to fine-tune on");
        c.headAttempted();
        assertTrue(c.due());
    }

    @Test
    void shouldNeverStartASecondWhileOneRunsAndStartAsSoonAsItEndsWhenDue() {
        FinetuneCadence c = cadence(FinetuneMode.LORA, 2);
        c.headAttempted();
        c.headAttempted();
        assertTrue(c.due());
        c.started();
        for (int i = 0; i < 5; i++) {
            c.headAttempted();
            assertFalse(c.due(), "one run at a time");
        }
        assertTrue(c.running());
        c.finished();
        assertTrue(c.due(), "attempts made while it ran count: due at once");
        c.started();
        assertEquals(0, c.attemptsSinceStart());
        c.finished();
        assertFalse(c.due());
    }

    @Test
    void shouldNeverBeDueWithModeNone() {
        FinetuneCadence c = cadence(FinetuneMode.NONE, 1);
        for (int i = 0; i < 10; i++) {
            c.headAttempted();
            assertFalse(c.due());
        }
    }
}
