package dev.decode.runner.jobs;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.smallrye.mutiny.operators.multi.processors.UnicastProcessor;

/**
 * A job's output: every line is appended to its log file (JSON lines, durable) and then handed to live subscribers.
 * A subscriber registers under the same lock as the append, so it gets from the file every line written before it
 * came and live every line after: each line exactly once, in order.
 */
final class JobFeed {

    @RegisterForReflection
    public record LogLine(long seq, Instant ts, String level, String msg, String nodeId) {
    }

    /** One line of the log file: the log line and, when the line moved it, the new progress. */
    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Stored(long seq, Instant ts, String level, String msg, String nodeId, JobView.Progress progress) {
    }

    sealed interface Item permits Log, ProgressChanged, End {
        long seq();
    }

    record Log(LogLine line) implements Item {
        public long seq() {
            return line.seq();
        }
    }

    record ProgressChanged(long seq, JobView.Progress progress) implements Item {
    }

    record End(long seq, JobView job) implements Item {
    }

    private final Path file;
    private final ObjectMapper json;
    /** Copy-on-write: a subscriber that completes or cancels leaves the list while it is being walked. */
    private final List<UnicastProcessor<Item>> listeners = new CopyOnWriteArrayList<>();
    private BufferedWriter writer;
    private long lastSeq;
    private JobView ended;

    private JobFeed(Path file, ObjectMapper json) {
        this.file = file;
        this.json = json;
    }

    /** Blocking: creates the job's (empty) log file. */
    static JobFeed create(Path file, ObjectMapper json) {
        JobFeed feed = new JobFeed(file, json);
        try {
            Files.createDirectories(file.getParent());
            feed.writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("could not create the job log " + file, e);
        }
        return feed;
    }

    /** Blocking: writes the line (flushed, so a replay sees it) and hands it to live subscribers. */
    synchronized void append(Instant ts, String level, String msg, String nodeId, JobView.Progress progress) {
        if (ended != null) {
            return;
        }
        LogLine line = new LogLine(++lastSeq, ts, level, msg, nodeId);
        try {
            writer.write(json.writeValueAsString(new Stored(line.seq(), ts, level, msg, nodeId, progress)));
            writer.newLine();
            writer.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("could not write the job log " + file, e);
        }
        listeners.forEach(listener -> listener.onNext(new Log(line)));
        if (progress != null) {
            listeners.forEach(listener -> listener.onNext(new ProgressChanged(line.seq(), progress)));
        }
    }

    /** The job ended: subscribers get the final job and complete; the file is closed. */
    synchronized void end(JobView job) {
        if (ended != null) {
            return;
        }
        ended = job;
        try {
            writer.close();
        } catch (IOException e) {
            throw new UncheckedIOException("could not close the job log " + file, e);
        } finally {
            listeners.forEach(listener -> {
                listener.onNext(new End(lastSeq, job));
                listener.onComplete();
            });
            listeners.clear();
        }
    }

    /** Blocking: the job was refused before it was queued; its empty log and directory go. */
    synchronized void discard() {
        try {
            writer.close();
            Files.deleteIfExists(file);
            Files.deleteIfExists(file.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException("could not remove the log of a refused job " + file, e);
        }
    }

    /** Every line after {@code after}: replayed from the file, then live until the job ends. */
    Multi<Item> subscribe(long after) {
        UnicastProcessor<Item> live = UnicastProcessor.create();
        long upTo;
        JobView job;
        synchronized (this) {
            upTo = lastSeq;
            job = ended;
            if (job == null) {
                listeners.add(live);
            }
        }
        if (job != null) {
            return replayThenEnd(file, after, job, json);
        }
        return Multi.createBy().concatenating().streams(replay(file, after, upTo, json),
                        live.filter(item -> item instanceof End || item.seq() > after))
                .onTermination().invoke(() -> forget(live));
    }

    /** A job that is no longer in memory: its file, then its final state. */
    static Multi<Item> replayThenEnd(Path file, long after, JobView job, ObjectMapper json) {
        return Multi.createBy().concatenating().streams(replay(file, after, Long.MAX_VALUE, json),
                Multi.createFrom().item(() -> new End(Long.MAX_VALUE, job)));
    }

    /** Blocking: the whole log as lines of text. */
    static String text(Path file, ObjectMapper json) {
        StringBuilder text = new StringBuilder();
        readStored(file, json, Long.MAX_VALUE).forEach(line -> text.append(line.msg()).append('\n'));
        return text.toString();
    }

    private static Multi<Item> replay(Path file, long after, long upTo, ObjectMapper json) {
        return Multi.createFrom().iterable(() -> items(readStored(file, json, upTo), after).iterator())
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    private static List<Item> items(List<Stored> lines, long after) {
        List<Item> items = new ArrayList<>();
        for (Stored line : lines) {
            if (line.seq() > after) {
                items.add(new Log(new LogLine(line.seq(), line.ts(), line.level(), line.msg(), line.nodeId())));
                if (line.progress() != null) {
                    items.add(new ProgressChanged(line.seq(), line.progress()));
                }
            }
        }
        return items;
    }

    private static List<Stored> readStored(Path file, ObjectMapper json, long upTo) {
        List<Stored> lines = new ArrayList<>();
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            while ((line = reader.readLine()) != null) {
                Stored stored = parse(line, json);
                if (stored != null && stored.seq() <= upTo) {
                    lines.add(stored);
                }
            }
        } catch (NoSuchFileException e) {
            return lines;
        } catch (IOException e) {
            throw new UncheckedIOException("could not read the job log " + file, e);
        }
        return lines;
    }

    /** A line cut short by a crash is skipped rather than failing the whole replay. */
    private static Stored parse(String line, ObjectMapper json) {
        try {
            return json.readValue(line, Stored.class);
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    private synchronized void forget(UnicastProcessor<Item> live) {
        listeners.remove(live);
    }
}
