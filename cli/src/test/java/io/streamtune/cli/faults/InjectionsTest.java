package io.streamtune.cli.faults;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import io.streamtune.common.config.Limits;
import io.streamtune.common.event.Event;
import io.streamtune.common.event.ParseResult;
import io.streamtune.common.event.Reason;
import io.streamtune.common.event.RecordParser;
import io.streamtune.common.model.ArtifactException;
import io.streamtune.common.model.ModelArtifact;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The injected records are what the steps say: sizes exact, the event valid, the others unreadable. */
class InjectionsTest {
    /** Limits raised above the injected sizes: what is left to check is the record's content. */
    private final RecordParser parser;
    /** The run's own limits (limits.recordBytes 1 MiB): what the scorer and trainer apply. */
    private final RecordParser limited;

    InjectionsTest() throws Exception {
        var config = new FaultRunConfig("localhost:1", Path.of("s"), 3, 60, 1, 2).parse();
        parser = new RecordParser(config.tasks(), new Limits(8 << 20));
        limited = RecordParser.of(config);
    }

    @Test
    void shouldBuildAPaddedEventOfExactlyTheSizeThatParsesAsAValidEvent() {
        byte[] value = Injections.paddedEvent("finance-big-1", Injections.LARGE_EVENT_BYTES);

        assertEquals(1_200_000, value.length);
        ParseResult<Event> parsed = parser.parseEvent("finance", value);
        assertTrue(parsed.isOk(), parsed::toString);
        assertEquals("finance-big-1", parsed.value().id());
        assertEquals("Shares rally on upgrade", parsed.value().text());
        assertEquals(
                Reason.RECORD_TOO_LARGE, limited.parseEvent("finance", value).reason(), "over the run's limit");
    }

    @Test
    void shouldBuildAMalformedRecordOfExactlyTheSizeThatParsesAsMalformedJson() {
        byte[] value = Injections.unterminatedJson("finance-bad-big-1", Injections.LARGE_MALFORMED_BYTES);

        assertEquals(2 * 1024 * 1024, value.length);
        assertEquals(Reason.MALFORMED_JSON, parser.parseEvent("finance", value).reason());
        assertEquals(
                Reason.RECORD_TOO_LARGE, limited.parseEvent("finance", value).reason(), "size is judged first");
    }

    @Test
    void shouldBuildAGarbageModelRecordNoReaderTakesForAnArtifact() {
        byte[] garbage = Injections.garbageModel(7);

        assertThrows(ArtifactException.class, () -> ModelArtifact.parse(garbage));
        assertFalse(java.util.Arrays.equals(garbage, Injections.garbageModel(8)));
    }
}
