package dev.decode.runner.limits;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;

/**
 * The windows' arithmetic, as plain Java on a clock the test moves: the same behaviour from the in-memory store and
 * from the Redis script (the shared Redis on 6379, under a key prefix of this run's own).
 */
class RateStoreTest {

    private static final Window GENERAL = Window.perMinute(Window.REQUESTS, 100);
    private static final Window EXPENSIVE = Window.perMinute(Window.EXPENSIVE, 20);
    private static final Vertx VERTX = Vertx.vertx();
    private static final Redis REDIS = Redis.createClient(VERTX, "redis://127.0.0.1:6379");
    private static final String PREFIX = "decode-runner-test:" + UUID.randomUUID() + ":";

    private static final List<RedisRateStore> OPENED = new CopyOnWriteArrayList<>();

    @AfterAll
    static void closeRedis() {
        OPENED.forEach(RedisRateStore::close);
        REDIS.close();
        VERTX.closeAndAwait();
    }

    static Stream<Arguments> stores() {
        Function<ManualLimitsClock, RateStore> local = clock -> new LocalRateStore(clock, 1000, Duration.ofMinutes(1));
        Function<ManualLimitsClock, RateStore> redis = RateStoreTest::redisStore;
        return Stream.of(Arguments.of("memory", local), Arguments.of("redis", redis));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stores")
    void theHundredAndFirstRequestInAMinuteIsRefusedUntilOneIntervalPassed(String name, Function<ManualLimitsClock, RateStore> stores) {
        ManualLimitsClock clock = new ManualLimitsClock();
        RateStore store = stores.apply(clock);
        String principal = principal();
        for (int i = 1; i <= 100; i++) {
            Verdict verdict = consume(store, principal, GENERAL);
            assertThat(verdict.allowed()).as("request %d", i).isTrue();
            assertThat(verdict.remaining()).isEqualTo(100 - i);
        }
        Verdict refused = consume(store, principal, GENERAL);
        assertThat(refused.allowed()).isFalse();
        assertThat(refused.remaining()).isZero();
        assertThat(refused.retryAfterMicros()).isEqualTo(600_000);
        assertThat(refused.retryAfterSeconds()).isEqualTo(1);
        assertThat(refused.resetSeconds()).isEqualTo(60);

        clock.advance(Duration.ofMillis(599));
        assertThat(consume(store, principal, GENERAL).allowed()).isFalse();
        clock.advance(Duration.ofMillis(1));
        assertThat(consume(store, principal, GENERAL).allowed()).isTrue();
        assertThat(consume(store, principal, GENERAL).allowed()).isFalse();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stores")
    void aBurstAtAMinutesEndLeavesNoSecondBurstAtTheNextMinutesStart(String name, Function<ManualLimitsClock, RateStore> stores) {
        ManualLimitsClock clock = new ManualLimitsClock();
        RateStore store = stores.apply(clock);
        String principal = principal();
        clock.moveToNextMinutePlus(Duration.ofSeconds(59));
        assertThat(allowedOf(store, principal, 100)).isEqualTo(100);

        // A fixed window would start over here and allow 100 more, 200 within two seconds.
        clock.moveToNextMinutePlus(Duration.ofSeconds(1));
        assertThat(allowedOf(store, principal, 100)).isEqualTo(3);

        clock.advance(Duration.ofSeconds(60));
        assertThat(allowedOf(store, principal, 200)).isEqualTo(100);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stores")
    void anExpensiveRequestTakesFromBothWindowsAndARefusedOneFromNeither(String name, Function<ManualLimitsClock, RateStore> stores) {
        ManualLimitsClock clock = new ManualLimitsClock();
        RateStore store = stores.apply(clock);
        String principal = principal();
        for (int i = 1; i <= 20; i++) {
            List<Verdict> verdicts = Checks.consume(store, principal, List.of(GENERAL, EXPENSIVE)).await().atMost(Duration.ofSeconds(5));
            assertThat(Verdict.tightest(verdicts).window()).isEqualTo(EXPENSIVE);
            assertThat(Verdict.tightest(verdicts).remaining()).isEqualTo(20 - i);
        }
        List<Verdict> refused = Checks.consume(store, principal, List.of(GENERAL, EXPENSIVE)).await().atMost(Duration.ofSeconds(5));
        Verdict tightest = Verdict.tightest(refused);
        assertThat(tightest.allowed()).isFalse();
        assertThat(tightest.window()).isEqualTo(EXPENSIVE);
        assertThat(tightest.retryAfterSeconds()).isEqualTo(3);
        assertThat(refused.get(0).remaining()).as("the general window gave nothing to the refused request").isEqualTo(80);

        assertThat(consume(store, principal, GENERAL).remaining()).isEqualTo(79);
    }

    @Test
    void twoLimitersSharingOneRedisEnforceOneCombinedLimit() {
        ManualLimitsClock clock = new ManualLimitsClock();
        RedisRateStore first = redisStore(clock);
        RedisRateStore second = redisStore(clock);
        String principal = principal();
        int allowed = 0;
        for (int i = 0; i < 60; i++) {
            allowed += consume(first, principal, GENERAL).allowed() ? 1 : 0;
            allowed += consume(second, principal, GENERAL).allowed() ? 1 : 0;
        }
        assertThat(allowed).isEqualTo(100);
    }

    @Test
    void redisKeysExpireOnTheirOwnOnceTheirBucketIsFullAgain() {
        ManualLimitsClock clock = new ManualLimitsClock();
        RedisRateStore store = redisStore(clock);
        String principal = principal();
        for (int i = 0; i < 10; i++) {
            consume(store, principal, GENERAL);
        }
        long ttl = REDIS.send(Request.cmd(Command.PTTL).arg(PREFIX + GENERAL.name() + ':' + principal))
                .await().atMost(Duration.ofSeconds(5)).toLong();
        assertThat(ttl).isBetween(5_000L, 6_000L);
    }

    @Test
    void theInMemoryStoreStaysBoundedUnderAHundredThousandDistinctAddresses() {
        LocalRateStore store = new LocalRateStore(new ManualLimitsClock(), 5_000, Duration.ofMinutes(1));
        for (int i = 0; i < 100_000; i++) {
            store.consumeNow("address:10." + (i >> 16) + '.' + ((i >> 8) & 255) + '.' + (i & 255), List.of(GENERAL));
        }
        assertThat(store.size()).isLessThanOrEqualTo(5_000);
    }

    @Test
    void idleKeysAreDroppedOnceTheirBucketWouldBeFullAgain() {
        ManualLimitsClock clock = new ManualLimitsClock();
        LocalRateStore store = new LocalRateStore(clock, 5_000, Duration.ofMinutes(1));
        for (int i = 0; i < 100; i++) {
            store.consumeNow("address:192.0.2." + i, List.of(GENERAL));
        }
        assertThat(store.size()).isEqualTo(100);
        clock.advance(Duration.ofSeconds(61));
        assertThat(store.size()).isZero();
    }

    private static RedisRateStore redisStore(LimitsClock clock) {
        RedisRateStore store = new RedisRateStore(VERTX.getDelegate(), "redis://127.0.0.1:6379", PREFIX, clock, Duration.ofSeconds(5));
        OPENED.add(store);
        return store;
    }

    private static Verdict consume(RateStore store, String principal, Window window) {
        return Checks.consume(store, principal, List.of(window)).await().atMost(Duration.ofSeconds(5)).get(0);
    }

    private static int allowedOf(RateStore store, String principal, int attempts) {
        int allowed = 0;
        for (int i = 0; i < attempts; i++) {
            allowed += consume(store, principal, GENERAL).allowed() ? 1 : 0;
        }
        return allowed;
    }

    private static String principal() {
        return "user:" + UUID.randomUUID();
    }
}
