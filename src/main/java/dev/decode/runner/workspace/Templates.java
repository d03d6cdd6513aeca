package dev.decode.runner.workspace;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;


/**
 * The projects a workspace can be reset to, shipped as resources below {@code templates/<name>/}; each template's
 * {@code FILES} lists its files, because a native image cannot list a resource folder.
 */
@ApplicationScoped
class Templates {

    static final String STARTER = "starter";
    static final String EMPTY = "empty";

    /** Blocking: writes the template's files into {@code target}, which must not exist yet or be empty. */
    void copy(String template, Path target) {
        if (!STARTER.equals(template) && !EMPTY.equals(template)) {
            throw new IllegalArgumentException("a template is " + STARTER + " or " + EMPTY + ", got " + template);
        }
        try {
            Files.createDirectories(target);
            for (String file : files(template)) {
                Path destination = target.resolve(WorkspacePath.of(file).value());
                Files.createDirectories(destination.getParent());
                Files.write(destination, resource(template + "/" + file));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not copy the template " + template, e);
        }
    }

    private static List<String> files(String template) throws IOException {
        return new String(resource(template + "/FILES"), StandardCharsets.UTF_8).lines().filter(line -> !line.isBlank()).toList();
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = Templates.class.getClassLoader().getResourceAsStream("templates/" + name)) {
            if (in == null) {
                throw new IllegalStateException("the template resource templates/" + name + " is missing from the build");
            }
            return in.readAllBytes();
        }
    }
}
