package dev.decode.runner.warehouse;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** MotherDuck cannot be reached from here; these pin down what the service would send it. */
class MotherDuckTest {

    @Test
    void eachUserGetsTheirOwnDatabaseAttachedAlone() {
        assertThat(MotherDuck.jdbcUrl("alice")).isEqualTo("jdbc:duckdb:md:decode_alice?attach_mode=single");
        assertThat(MotherDuck.jdbcUrl("bob")).isNotEqualTo(MotherDuck.jdbcUrl("alice"));
    }

    @Test
    void theTokenTravelsAsAPropertyAndLocalFilesAreOff() {
        var properties = DuckDbConnector.streaming(MotherDuck.properties("md-token-123"));
        assertThat(properties.getProperty("motherduck_token")).isEqualTo("md-token-123");
        assertThat(properties.getProperty("saas_mode")).isEqualTo("true");
        assertThat(properties.getProperty("jdbc_stream_results")).isEqualTo("true");
        assertThat(MotherDuck.jdbcUrl("alice")).doesNotContain("md-token-123");
    }

    @Test
    void theSharedCatalogIsAttachedReadOnly() {
        assertThat(MotherDuck.attachLearn()).isEqualTo("attach 'md:learn' as learn (read_only)");
    }
}
