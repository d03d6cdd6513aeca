package dev.decode.runner.tutor;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

import org.junit.jupiter.api.Test;

class RetryAfterTest {

    @Test
    void secondsAreRoundedUpToAtLeastOne() {
        assertThat(RetryAfter.seconds("7")).isEqualTo(7);
        assertThat(RetryAfter.seconds("2.1")).isEqualTo(3);
        assertThat(RetryAfter.seconds("0")).isEqualTo(1);
    }

    @Test
    void anHttpDateBecomesTheSecondsUntilThen() {
        String inAMinute = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC).plusSeconds(60));
        assertThat(RetryAfter.seconds(inAMinute)).isBetween(55L, 60L);
    }

    @Test
    void nothingUsableFallsBackToTheDefaultAndHugeValuesAreCapped() {
        assertThat(RetryAfter.seconds(null)).isEqualTo(RetryAfter.DEFAULT_SECONDS);
        assertThat(RetryAfter.seconds("soon")).isEqualTo(RetryAfter.DEFAULT_SECONDS);
        assertThat(RetryAfter.seconds("NaN")).isEqualTo(RetryAfter.DEFAULT_SECONDS);
        assertThat(RetryAfter.seconds("99999999")).isEqualTo(RetryAfter.MAX_SECONDS);
    }
}
