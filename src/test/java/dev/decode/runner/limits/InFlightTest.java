package dev.decode.runner.limits;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class InFlightTest {

    @Test
    void aPrincipalGetsAtMostTheCapAndOthersAreNotAffected() {
        InFlight inFlight = new InFlight();
        List<InFlight.Slot> slots = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            slots.add(inFlight.tryAcquire("user:alice", 5).orElseThrow());
        }
        assertThat(inFlight.tryAcquire("user:alice", 5)).isEmpty();
        assertThat(inFlight.tryAcquire("user:bob", 5)).isPresent();

        slots.get(0).release();
        assertThat(inFlight.tryAcquire("user:alice", 5)).isPresent();
    }

    @Test
    void aSlotReleasedTwiceFreesOnePlace() {
        InFlight inFlight = new InFlight();
        InFlight.Slot first = inFlight.tryAcquire("user:alice", 3).orElseThrow();
        inFlight.tryAcquire("user:alice", 3).orElseThrow();
        first.release();
        first.release();
        assertThat(inFlight.tryAcquire("user:alice", 3)).as("one of three in flight, two places free").isPresent();
        assertThat(inFlight.tryAcquire("user:alice", 3)).isPresent();
        assertThat(inFlight.tryAcquire("user:alice", 3)).as("the slot released twice freed one place only").isEmpty();
    }

    @Test
    void principalsWithNothingInFlightLeaveNoEntry() {
        InFlight inFlight = new InFlight();
        List<InFlight.Slot> slots = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            slots.add(inFlight.tryAcquire("address:10.0." + (i >> 8) + "." + (i & 255), 5).orElseThrow());
        }
        slots.forEach(InFlight.Slot::release);
        assertThat(inFlight.principals()).isZero();
    }
}
