package dev.decode.runner.limits;

import java.time.Duration;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/** Counts every refusal by limit, and logs {@code Rate limit exceeded} at most once a minute per principal. */
@ApplicationScoped
class Rejections {

    static final String CONCURRENT = "concurrent";
    static final String LOG_STREAMS = "log-streams";

    private static final Logger LOG = Logger.getLogger(Rejections.class);

    private final Map<String, Counter> counters;
    private final Cache<String, Boolean> recentlyLogged;

    Rejections(MeterRegistry metrics, LimitsClock clock) {
        this.recentlyLogged = Caffeine.newBuilder().maximumSize(10_000).expireAfterWrite(Duration.ofMinutes(1))
                .ticker(() -> clock.nowMicros() * 1000).executor(Runnable::run).build();
        this.counters = Map.of(
                Window.REQUESTS, counter(metrics, Window.REQUESTS),
                Window.EXPENSIVE, counter(metrics, Window.EXPENSIVE),
                CONCURRENT, counter(metrics, CONCURRENT),
                LOG_STREAMS, counter(metrics, LOG_STREAMS));
    }

    void rejected(String principal, String limit) {
        counters.get(limit).increment();
        if (recentlyLogged.asMap().putIfAbsent(principal, Boolean.TRUE) == null) {
            LOG.warnf("Rate limit exceeded principal=%s limit=%s", principal, limit);
        }
    }

    private static Counter counter(MeterRegistry metrics, String limit) {
        return Counter.builder("runner.limits.rejected").description("Requests refused by a per-principal limit")
                .tag("limit", limit).register(metrics);
    }
}
