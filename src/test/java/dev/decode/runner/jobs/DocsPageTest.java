package dev.decode.runner.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** How the manifest and catalog go into dbt's page (the page in a browser: DocsJobTest). */
class DocsPageTest {

    private static final String INDEX = "<html><script>var n={manifest:\"MANIFEST.JSON INLINE DATA\",catalog:\"CATALOG.JSON INLINE DATA\"};"
            + "</script></html>";

    @Test
    void theJsonReplacesThePlaceholdersWithEveryLessThanEscaped() {
        String page = DocsPage.inline(INDEX, "{\"description\": \"a </script><script>alert(1)</script> <!-- b\"}", "{\"nodes\": {}}");

        assertThat(page).isEqualTo("<html><script>var n={manifest:{\"description\": \"a \\u003c/script>\\u003cscript>alert(1)"
                + "\\u003c/script> \\u003c!-- b\"},catalog:{\"nodes\": {}}};</script></html>");
    }

    @Test
    void aPlaceholderInsideTheLearnersManifestIsData() {
        String manifest = "{\"columns\": {\"CATALOG.JSON INLINE DATA\": {}}}";

        String page = DocsPage.inline(INDEX, manifest, "{\"c\": 1}");

        assertThat(page).contains("manifest:" + manifest + ",catalog:{\"c\": 1}}");
    }

    @Test
    void aPageWithoutThePlaceholdersIsAnError() {
        assertThatThrownBy(() -> DocsPage.inline("<html></html>", "{}", "{}")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> DocsPage.inline("\"CATALOG.JSON INLINE DATA\" \"MANIFEST.JSON INLINE DATA\"", "{}", "{}"))
                .isInstanceOf(IllegalStateException.class);
    }
}
