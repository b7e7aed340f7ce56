package io.streamtune.cli.faults;

import java.util.Map;
import java.util.OptionalLong;

import org.junit.jupiter.api.Test;

import io.streamtune.cli.faults.DeliveryLedger.Kind;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DeliveryLedgerTest {

    @Test
    void shouldCountAnEventWithNeitherPredictionNorDeadLetterAsLost() {
        DeliveryLedger ledger = new DeliveryLedger();
        for (int i = 0; i < 10; i++) {
            ledger.produced("e-" + i, Kind.EVENT, 1, 1_000 + i);
        }
        for (int i = 0; i < 7; i++) {
            ledger.predicted("e-" + i, 3, 2_000 + i);
        }
        ledger.deadLettered("e-7", "NO_MODEL");

        DeliveryLedger.StepCounts c = ledger.counts(1);
        assertEquals(10, c.eventsIn());
        assertEquals(7, c.predictions());
        assertEquals(Map.of("NO_MODEL", 1L), c.deadLetters());
        assertEquals(2, c.lost(), "e-8 and e-9 have no outcome");
        assertEquals(0, c.duplicated());
        assertFalse(ledger.accounted(1));
        assertEquals(2, ledger.unaccounted());
    }

    @Test
    void shouldCountAnEventPredictedTwiceAsOneDuplicatedEventAndBothPredictionRecords() {
        DeliveryLedger ledger = new DeliveryLedger();
        ledger.produced("e-1", Kind.EVENT, 2, 0);
        ledger.produced("e-2", Kind.EVENT, 2, 0);
        ledger.predicted("e-1", 4, 10);
        ledger.predicted("e-1", 5, 20);
        ledger.predicted("e-1", 5, 30);
        ledger.predicted("e-2", 5, 30);

        DeliveryLedger.StepCounts c = ledger.counts(2);
        assertEquals(1, c.duplicated(), "one event has more than one prediction");
        assertEquals(4, c.predictions(), "every prediction record counts");
        assertEquals(0, c.lost());
        assertTrue(ledger.accounted(2));
    }

    @Test
    void shouldJoinAnOutcomeReadBeforeTheProducerAcknowledgedItsRecord() {
        DeliveryLedger ledger = new DeliveryLedger();
        ledger.predicted("e-1", 1, 50);
        assertEquals(1, ledger.unexpected(), "not produced yet");

        ledger.produced("e-1", Kind.EVENT, 0, 40);

        assertEquals(0, ledger.unexpected());
        assertEquals(0, ledger.counts(0).lost());
        assertEquals(1, ledger.counts(0).predictions());
    }

    @Test
    void shouldKeepStepsApartAndCountExamplesOnlyByTheirDeadLetters() {
        DeliveryLedger ledger = new DeliveryLedger();
        ledger.produced("e-1", Kind.EVENT, 1, 0);
        ledger.produced("e-2", Kind.EVENT, 2, 0);
        ledger.produced("x-1", Kind.EXAMPLE, 1, 0);
        ledger.produced("x-2", Kind.EXAMPLE, 1, 0);
        ledger.deadLettered("x-2", "UNKNOWN_LABEL");
        ledger.sendFailed(2);
        ledger.predicted("e-2", 1, 5);

        DeliveryLedger.StepCounts one = ledger.counts(1);
        assertEquals(1, one.eventsIn());
        assertEquals(2, one.examplesIn());
        assertEquals(Map.of("UNKNOWN_LABEL", 1L), one.exampleDeadLetters());
        assertEquals(Map.of(), one.deadLetters(), "an example's dead letter is not an event's");
        assertEquals(1, one.lost(), "e-1; examples are never lost by this count");
        DeliveryLedger.StepCounts two = ledger.counts(2);
        assertEquals(0, two.lost());
        assertEquals(1, two.sendFailures());
        assertFalse(ledger.allAccounted());
    }

    @Test
    void shouldAccountAnInjectedRecordByItsDeadLetterAndFlagOneBothPredictedAndDeadLettered() {
        DeliveryLedger ledger = new DeliveryLedger();
        ledger.produced("big-1", Kind.INJECTED, 5, 0);
        ledger.produced("bad-1", Kind.INJECTED, 5, 0);
        assertEquals(2, ledger.counts(5).lost());

        ledger.deadLettered("bad-1", "RECORD_TOO_LARGE");
        ledger.deadLettered("big-1", "RECORD_TOO_LARGE");
        ledger.predicted("big-1", 7, 10);

        DeliveryLedger.StepCounts c = ledger.counts(5);
        assertEquals(2, c.injectedIn());
        assertEquals(0, c.eventsIn());
        assertEquals(0, c.lost());
        assertEquals(Map.of("RECORD_TOO_LARGE", 2L), c.deadLetters());
        assertEquals(1, c.predictedAndDeadLettered());
        assertEquals(Map.of("RECORD_TOO_LARGE", 1), ledger.deadLetterReasons("big-1"));
        assertEquals(OptionalLong.of(7), ledger.predictedBy("big-1"));
        assertEquals(OptionalLong.empty(), ledger.predictedBy("bad-1"));
    }

    @Test
    void shouldTellWhenTheFirstEventProducedAfterAFaultWasPredicted() {
        DeliveryLedger ledger = new DeliveryLedger();
        ledger.produced("reviews-e-1", Kind.EVENT, 1, 1_000); // before the fault, scored late
        ledger.produced("reviews-e-2", Kind.EVENT, 1, 5_000); // after the fault
        ledger.produced("finance-e-3", Kind.EVENT, 1, 6_000);
        ledger.predicted("reviews-e-1", 1, 9_000);
        ledger.predicted("reviews-e-2", 1, 12_000);
        ledger.predicted("finance-e-3", 1, 11_000);

        assertEquals(OptionalLong.of(11_000), ledger.firstPredictionOfEventsProducedFrom(5_000, ""));
        assertEquals(OptionalLong.of(12_000), ledger.firstPredictionOfEventsProducedFrom(5_000, "reviews-"));
        assertEquals(OptionalLong.empty(), ledger.firstPredictionOfEventsProducedFrom(7_000, ""));
        assertEquals(1, ledger.predictedEventsProducedFrom(5_000, "reviews-e-"));
        assertEquals(0, ledger.predictedEventsProducedFrom(7_000, "reviews-e-"));
    }
}
