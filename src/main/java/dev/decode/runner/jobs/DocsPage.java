package dev.decode.runner.jobs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * dbt's documentation site as one self-contained HTML file, built as {@code dbt docs generate --static} builds it:
 * the job's manifest and catalog put into dbt's {@code index.html} (which every docs job copies into its target) in
 * place of its two placeholders. Unlike {@code --static}, every {@code <} of the inlined JSON is written
 * {@code \u003c}: JSON holds {@code <} only inside strings, where the escape means the same, so a learner's
 * description holding {@code </script>} or {@code <!--} stays text instead of ending dbt's script and breaking the
 * page. The page is built once, on first request, into the job's directory, with the server's paths made the
 * learner's.
 */
final class DocsPage {

    /**
     * The page runs its own inline scripts and styles and nothing else: {@code sandbox} without
     * {@code allow-same-origin} puts it in an opaque origin, so it cannot read the API origin's cookies or storage or
     * call the API with them; it loads nothing from any server (dbt's usage tracker included), submits no form and
     * opens no window.
     */
    static final String CONTENT_SECURITY_POLICY = "sandbox allow-scripts; default-src 'none'; script-src 'unsafe-inline'; "
            + "style-src 'unsafe-inline'; img-src data:; font-src data:; base-uri 'none'; form-action 'none'";

    private static final String FILE = "docs.html";
    private static final String MANIFEST = "\"MANIFEST.JSON INLINE DATA\"";
    private static final String CATALOG = "\"CATALOG.JSON INLINE DATA\"";

    private DocsPage() {
    }

    /** Blocking: the page of the docs job whose directory is {@code jobDir}; empty when the job left no docs (or no longer has them). */
    static Optional<Path> of(Path jobDir, UnaryOperator<String> serverPaths) throws IOException {
        Path page = jobDir.resolve(FILE);
        if (Files.isRegularFile(page)) {
            return Optional.of(page);
        }
        Path target = jobDir.resolve("target");
        String html;
        try {
            html = inline(Files.readString(target.resolve("index.html"), StandardCharsets.UTF_8),
                    serverPaths.apply(Files.readString(target.resolve("manifest.json"), StandardCharsets.UTF_8)),
                    serverPaths.apply(Files.readString(target.resolve("catalog.json"), StandardCharsets.UTF_8)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        // Two first requests may build it at once: each writes its own file, and either result is the same page.
        Path partial = Files.createTempFile(jobDir, FILE, ".partial");
        try {
            Files.writeString(partial, html, StandardCharsets.UTF_8);
            Files.move(partial, page, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(partial);
        }
        return Optional.of(page);
    }

    /** Placeholders are found in dbt's page alone, so that none inside the learner's manifest is taken for one. */
    static String inline(String index, String manifest, String catalog) {
        int manifestAt = index.indexOf(MANIFEST);
        int catalogAt = index.indexOf(CATALOG);
        if (manifestAt < 0 || catalogAt < manifestAt + MANIFEST.length()) {
            throw new IllegalStateException("dbt's index.html does not hold the manifest and catalog placeholders in that order");
        }
        return new StringBuilder(index.length() + manifest.length() + catalog.length())
                .append(index, 0, manifestAt).append(scriptSafe(manifest))
                .append(index, manifestAt + MANIFEST.length(), catalogAt).append(scriptSafe(catalog))
                .append(index, catalogAt + CATALOG.length(), index.length()).toString();
    }

    private static String scriptSafe(String json) {
        return json.replace("<", "\\u003c");
    }
}
