package dev.decode.runner.limits;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.smallrye.common.vertx.VertxContext;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.Context;
import io.vertx.mutiny.core.Vertx;

/**
 * What sending the checks of an event loop to Redis in batches could break, against a Redis of this test's own: a
 * batch is decided in arrival order with each check seeing the others' effect, every answer reaches the context its
 * check came from, and a failure of Redis reaches every check waiting for it.
 */
class RedisBatchingTest {

    private static final Window GENERAL = Window.perMinute(Window.REQUESTS, 100);
    private static final Window EXPENSIVE = Window.perMinute(Window.EXPENSIVE, 20);
    private static final OwnRedis REDIS = new OwnRedis(6391);
    private static final Vertx VERTX = Vertx.vertx();
    private static final String PREFIX = "decode-runner-test:";

    private final ManualLimitsClock clock = new ManualLimitsClock();
    private final List<RedisRateStore> opened = new CopyOnWriteArrayList<>();
    private final List<RateLimiter> limiters = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void startRedis() {
        REDIS.start();
    }

    @AfterAll
    static void stopRedis() throws InterruptedException {
        VERTX.closeAndAwait();
        REDIS.stop();
    }

    @AfterEach
    void closeStores() {
        opened.forEach(RedisRateStore::close);
        limiters.forEach(RateLimiter::close);
    }

    @Test
    void manyChecksForOnePrincipalAtItsLimitAdmitExactlyTheLimitInArrivalOrderAndRefuseTheRestWithRetryAfter() throws Exception {
        RedisRateStore store = store();
        String principal = principal();
        long scriptCallsBefore = scriptCalls();

        List<List<Verdict>> verdicts = together(loop(), store, Collections.nCopies(300, new Check(principal, List.of(GENERAL))));

        for (int i = 0; i < 100; i++) {
            assertThat(verdicts.get(i).get(0).allowed()).as("check %d", i).isTrue();
            assertThat(verdicts.get(i).get(0).remaining()).as("check %d", i).isEqualTo(99 - i);
        }
        for (List<Verdict> refused : verdicts.subList(100, 300)) {
            assertThat(refused.get(0).allowed()).isFalse();
            assertThat(refused.get(0).remaining()).isZero();
            assertThat(refused.get(0).retryAfterMicros()).isEqualTo(600_000);
            assertThat(refused.get(0).retryAfterSeconds()).isEqualTo(1);
        }
        // At most one lone first check, then full batches of 64: each an EVALSHA, plus an EVAL after NOSCRIPT at worst.
        assertThat(scriptCalls() - scriptCallsBefore).isLessThanOrEqualTo(2 * (1 + (300 + 63) / 64));
    }

    @Test
    void aBatchMixingPrincipalsAndWindowsGivesEachCheckTheVerdictOfCheckingThemOneByOne() throws Exception {
        Random random = new Random(6);
        List<String> principals = List.of(principal(), principal(), principal());
        List<Check> checks = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            List<Window> windows = random.nextInt(3) == 0 ? List.of(GENERAL, EXPENSIVE) : List.of(GENERAL);
            checks.add(new Check(principals.get(random.nextInt(principals.size())), windows));
        }

        List<List<Verdict>> batched = together(loop(), store(), checks);

        LocalRateStore oneByOne = new LocalRateStore(clock, 100, Duration.ofMinutes(1));
        for (int i = 0; i < checks.size(); i++) {
            Verdict expected = Verdict.tightest(oneByOne.consumeNow(checks.get(i).principal(), checks.get(i).windows()));
            assertThat(Verdict.tightest(batched.get(i))).as("check %d: %s", i, checks.get(i)).isEqualTo(expected);
        }
        List<Verdict> tightest = batched.stream().map(Verdict::tightest).toList();
        assertThat(tightest).as("some allowed").anyMatch(Verdict::allowed);
        assertThat(tightest).as("some refused by the general window").anyMatch(v -> !v.allowed() && v.window().equals(GENERAL));
        assertThat(tightest).as("some refused by the expensive window").anyMatch(v -> !v.allowed() && v.window().equals(EXPENSIVE));
    }

    @Test
    void aRefusedCheckInABatchTakesNoQuotaFromAnyWindow() throws Exception {
        String principal = principal();
        List<Check> checks = new ArrayList<>(Collections.nCopies(30, new Check(principal, List.of(GENERAL, EXPENSIVE))));
        checks.add(new Check(principal, List.of(GENERAL)));

        List<List<Verdict>> verdicts = together(loop(), store(), checks);

        assertThat(verdicts.subList(0, 20)).allSatisfy(both -> assertThat(Verdict.tightest(both).allowed()).isTrue());
        assertThat(verdicts.subList(20, 30)).allSatisfy(both -> {
            assertThat(Verdict.tightest(both).window()).isEqualTo(EXPENSIVE);
            assertThat(Verdict.tightest(both).retryAfterSeconds()).isEqualTo(3);
            assertThat(both.get(0).remaining()).as("the general window after the refusal").isEqualTo(80);
        });
        assertThat(verdicts.get(30).get(0).remaining()).isEqualTo(79);
    }

    @Test
    void checksFromEveryEventLoopOfTwoLimitersSharingOneRedisEnforceOneCombinedLimit() throws Exception {
        List<RedisRateStore> instances = List.of(store(), store());
        String principal = principal();
        List<CompletableFuture<List<List<Verdict>>>> loops = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            RedisRateStore instance = instances.get(i % 2);
            loops.add(submitTogether(loop(), instance, Collections.nCopies(50, new Check(principal, List.of(GENERAL)))));
        }
        List<Verdict> all = new ArrayList<>();
        for (CompletableFuture<List<List<Verdict>>> loop : loops) {
            loop.get(10, TimeUnit.SECONDS).forEach(verdicts -> all.add(verdicts.get(0)));
        }
        assertThat(all).filteredOn(Verdict::allowed).hasSize(100);
        assertThat(all).filteredOn(verdict -> !verdict.allowed()).hasSize(300)
                .allSatisfy(refused -> assertThat(refused.retryAfterMicros()).isEqualTo(600_000));
    }

    @Test
    void everyAnswerReachesTheDuplicatedContextItsCheckCameFrom() throws Exception {
        RedisRateStore store = store();
        Context loop = loop();
        List<CompletableFuture<Boolean>> onOwnContext = new ArrayList<>();
        List<Context> requests = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            requests.add(VertxContext.createNewDuplicatedContext(loop));
            onOwnContext.add(new CompletableFuture<>());
        }
        // Submitted in one round of the loop, so that they share batches.
        loop.runOnContext(ignored -> {
            for (int i = 0; i < 20; i++) {
                Context request = requests.get(i);
                CompletableFuture<Boolean> answered = onOwnContext.get(i);
                request.runOnContext(none -> store.consume(principal(), List.of(GENERAL), (verdicts, failure) ->
                        answered.complete(failure == null && io.vertx.core.Vertx.currentContext() == request)));
            }
        });
        for (CompletableFuture<Boolean> answered : onOwnContext) {
            assertThat(answered.get(5, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void aCheckFromOutsideAnEventLoopIsDecidedWithTheSameCounts() throws Exception {
        RedisRateStore store = store();
        String principal = principal();
        together(loop(), store, Collections.nCopies(99, new Check(principal, List.of(GENERAL))));

        assertThat(Checks.consume(store, principal, List.of(GENERAL)).await().atMost(Duration.ofSeconds(5)).get(0).remaining()).isZero();
        assertThat(Checks.consume(store, principal, List.of(GENERAL)).await().atMost(Duration.ofSeconds(5)).get(0).allowed()).isFalse();
    }

    @Test
    void whenRedisGoesAwayMidBatchEveryWaitingCheckFallsBackAndRedisIsUsedAgainOnceItReturns() throws Exception {
        RateLimiter limiter = limiter(Map.of("timeout", "10s", "retry-after", "200ms"));
        Context loop = loop();
        String principal = principal();
        assertThat(together(loop, limiter, List.of(new Check(principal, List.of(GENERAL)))).get(0).get(0).remaining()).isEqualTo(99);

        redisCli("CLIENT", "PAUSE", "20000", "ALL");
        CompletableFuture<List<List<Verdict>>> waiting = submitTogether(loop, limiter,
                Collections.nCopies(50, new Check(principal, List.of(GENERAL))));
        REDIS.stop();
        try {
            List<List<Verdict>> fellBack = waiting.get(10, TimeUnit.SECONDS);
            for (int i = 0; i < 50; i++) {
                assertThat(fellBack.get(i).get(0).remaining()).as("check %d, counted in memory", i).isEqualTo(99 - i);
            }
            assertThat(limiter.redisAnswering()).isFalse();
        } finally {
            REDIS.start();
        }
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> {
            together(loop, limiter, List.of(new Check(principal, List.of(GENERAL))));
            return redisCli("EXISTS", PREFIX + "requests:" + principal).equals("1");
        });
        assertThat(limiter.redisAnswering()).isTrue();
    }

    @Test
    void aStalledRedisFailsTheBatchInFlightAndEveryCheckQueuedBehindItAfterTheTimeout() throws Exception {
        RateLimiter limiter = limiter(Map.of("timeout", "300ms", "retry-after", "200ms"));
        Context loop = loop();
        String principal = principal();
        together(loop, limiter, List.of(new Check(principal, List.of(GENERAL))));

        redisCli("CLIENT", "PAUSE", "20000", "ALL");
        try {
            List<List<Verdict>> fellBack = together(loop, limiter, Collections.nCopies(50, new Check(principal, List.of(GENERAL))));
            assertThat(fellBack).allSatisfy(verdicts -> assertThat(verdicts.get(0).allowed()).isTrue());
            assertThat(fellBack.get(49).get(0).remaining()).as("counted in memory").isEqualTo(50);
            assertThat(limiter.redisAnswering()).isFalse();
        } finally {
            REDIS.stop();
            REDIS.start();
        }
    }

    private record Check(String principal, List<Window> windows) {
    }

    /** Submits every check in one task on {@code loop}, so that all but the first wait for a batch in flight. */
    private static CompletableFuture<List<List<Verdict>>> submitTogether(Context loop,
            RateStore store, List<Check> checks) {
        List<CompletableFuture<List<Verdict>>> answers = new ArrayList<>();
        CompletableFuture<Void> submitted = new CompletableFuture<>();
        loop.runOnContext(ignored -> {
            checks.forEach(check -> answers.add(Checks.consume(store, check.principal(), check.windows()).subscribeAsCompletionStage()));
            submitted.complete(null);
        });
        return submitted.thenCompose(none -> CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)))
                .thenApply(none -> answers.stream().map(CompletableFuture::join).toList());
    }

    private static List<List<Verdict>> together(Context loop, RateStore store,
            List<Check> checks) throws Exception {
        return submitTogether(loop, store, checks).get(10, TimeUnit.SECONDS);
    }

    /** The context of a verticle deployed for it: the next event loop, round-robin. */
    private static Context loop() throws Exception {
        CompletableFuture<Context> deployed = new CompletableFuture<>();
        VERTX.getDelegate().deployVerticle(new AbstractVerticle() {
            @Override
            public void start() {
                deployed.complete(context);
            }
        }).toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        return deployed.get(5, TimeUnit.SECONDS);
    }

    private RedisRateStore store() {
        RedisRateStore store = new RedisRateStore(VERTX.getDelegate(), REDIS.url(), PREFIX, clock, Duration.ofSeconds(5));
        opened.add(store);
        return store;
    }

    private RateLimiter limiter(Map<String, String> redisSettings) {
        Map<String, String> settings = new HashMap<>(redisSettings);
        settings.put("key-prefix", PREFIX);
        RateLimiter limiter = new RateLimiter(LimitsConfigs.withRedis(REDIS.url(), settings), clock, VERTX, new SimpleMeterRegistry());
        limiters.add(limiter);
        return limiter;
    }

    private static String principal() {
        return "user:" + UUID.randomUUID();
    }

    /** EVAL and EVALSHA calls this Redis has run so far. */
    private static long scriptCalls() throws IOException, InterruptedException {
        Matcher calls = Pattern.compile("cmdstat_eval(?:sha)?:calls=(\\d+)").matcher(redisCli("INFO", "commandstats"));
        long total = 0;
        while (calls.find()) {
            total += Long.parseLong(calls.group(1));
        }
        return total;
    }

    private static String redisCli(String... command) throws IOException, InterruptedException {
        List<String> line = new ArrayList<>(List.of("redis-cli", "-p", "6391"));
        line.addAll(List.of(command));
        Process cli = new ProcessBuilder(line).redirectErrorStream(true).start();
        String out = new String(cli.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        cli.waitFor();
        return out;
    }
}
