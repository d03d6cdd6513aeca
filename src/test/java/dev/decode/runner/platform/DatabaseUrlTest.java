package dev.decode.runner.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DatabaseUrlTest {

    @Test
    void readsRendersInternalConnectionString() {
        DatabaseUrl url = DatabaseUrl.parse("DATABASE_URL", "postgres://decode:s3cr%40t@dpg-abc123-a:5432/decode_db");

        assertThat(url.host()).isEqualTo("dpg-abc123-a");
        assertThat(url.port()).isEqualTo(5432);
        assertThat(url.database()).isEqualTo("decode_db");
        assertThat(url.user()).isEqualTo("decode");
        assertThat(url.password()).isEqualTo("s3cr@t");
        assertThat(url.reactiveUrl()).isEqualTo("postgresql://dpg-abc123-a:5432/decode_db");
    }

    @Test
    void keepsTheSslModeOfAnExternalConnectionString() {
        DatabaseUrl url = DatabaseUrl.parse("DATABASE_URL",
                "postgresql://u:p@dpg-abc.oregon-postgres.render.com/db?sslmode=require&application_name=x");

        assertThat(url.port()).isEqualTo(5432);
        assertThat(url.sslMode()).contains("require");
        assertThat(url.reactiveUrl()).isEqualTo("postgresql://dpg-abc.oregon-postgres.render.com:5432/db?sslmode=require");
    }

    @Test
    void neverShowsThePasswordWhenPrinted() {
        DatabaseUrl url = DatabaseUrl.parse("DATABASE_URL", "postgres://user:hunter2@host:6543/db");
        assertThat(url.toString()).doesNotContain("hunter2").contains("user").contains("host:6543/db");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "mysql://user:hunter2@host:3306/db",
            "postgres://user:hunter2@host:5432",
            "postgres://user:hunter2@host:5432/",
            "postgres://host:5432/db",
            "postgres://user:hunter2@:5432/db",
            "postgres://user:hunter2@host:notaport/db",
            "postgres://user:hunter2@host/db?sslmode=sometimes",
            "just some text hunter2",
            "   "})
    void aMalformedUrlNamesTheVariableButNeverThePassword(String value) {
        assertThatThrownBy(() -> DatabaseUrl.parse("DATABASE_URL", value))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("DATABASE_URL")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("hunter2"));
    }
}
