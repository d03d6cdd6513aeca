package dev.decode.runner.limits;

import java.time.Duration;
import java.util.List;

/**
 * The CPU cost of one in-memory limits check (its bucket plus its in-flight slot) without HTTP around it, which a
 * loaded machine distorts far less than requests/s. Run by bench/limits-micro.sh.
 */
public final class LimitsCheckBench {

    public static void main(String[] args) {
        List<Window> windows = List.of(Window.perMinute(Window.REQUESTS, 1_000_000_000));
        LocalRateStore local = new LocalRateStore(new LimitsClock(), 20_000, Duration.ofMinutes(1));
        InFlight inFlight = new InFlight();
        for (int round = 1; round <= 5; round++) {
            int n = 2_000_000;
            long start = System.nanoTime();
            for (int i = 0; i < n; i++) {
                Verdict.tightest(local.consumeNow("user:" + (i & 1023), windows));
                inFlight.tryAcquire("user:alice", 100).orElseThrow().release();
            }
            System.out.printf("round %d: %.0f ns per in-memory check%n", round, (System.nanoTime() - start) / (double) n);
        }
    }
}
