import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The limit for the warehouse benchmark: the same statement through DuckDB JDBC in one process, one connection per
 * thread, prepared once per thread, the same DuckDB settings as the service's sandbox, every row read. Prints
 * requests/s, p50 and p99.
 * Usage: java -cp duckdb_jdbc.jar bench/InProcessQuery.java <database file> <learn file> <threads> <seconds> <sql>
 * [warm-up seconds]: queries run for the warm-up first, uncounted, so that the JIT has compiled the loop.
 */
public class InProcessQuery {
    public static void main(String[] args) throws Exception {
        String database = args[0];
        String learn = args[1];
        int threads = Integer.parseInt(args[2]);
        int seconds = Integer.parseInt(args[3]);
        String sql = args[4];
        int warmUpSeconds = args.length > 5 ? Integer.parseInt(args[5]) : 0;
        try (Connection setup = DriverManager.getConnection("jdbc:duckdb:" + database); Statement s = setup.createStatement()) {
            s.execute("attach '" + learn + "' as learn (read_only)");
            s.execute("set threads = 1");
            s.execute("set memory_limit = '128MB'");
            // Grown as needed, so that the limit also runs within the production image's small heap.
            long[][] latencies = new long[threads][];
            List<Thread> workers = new ArrayList<>();
            AtomicBoolean stop = new AtomicBoolean();
            AtomicBoolean counting = new AtomicBoolean(warmUpSeconds == 0);
            int[] counts = new int[threads];
            for (int t = 0; t < threads; t++) {
                int index = t;
                latencies[index] = new long[1 << 14];
                Connection connection = ((org.duckdb.DuckDBConnection) setup).duplicate();
                Thread worker = new Thread(() -> {
                    // Prepared once, as the service keeps a statement it runs again (PooledConnection).
                    try (PreparedStatement statement = connection.prepareStatement(sql)) {
                        while (!stop.get()) {
                            long start = System.nanoTime();
                            try (ResultSet rs = statement.executeQuery()) {
                                int width = rs.getMetaData().getColumnCount();
                                while (rs.next()) {
                                    for (int c = 1; c <= width; c++) {
                                        rs.getObject(c);
                                    }
                                }
                            }
                            if (!counting.get()) {
                                continue;
                            }
                            if (counts[index] == latencies[index].length) {
                                latencies[index] = Arrays.copyOf(latencies[index], counts[index] * 2);
                            }
                            latencies[index][counts[index]++] = System.nanoTime() - start;
                        }
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                });
                workers.add(worker);
            }
            workers.forEach(Thread::start);
            Thread.sleep(warmUpSeconds * 1000L);
            counting.set(true);
            Thread.sleep(seconds * 1000L);
            stop.set(true);
            for (Thread worker : workers) {
                worker.join();
            }
            int total = Arrays.stream(counts).sum();
            long[] all = new long[total];
            int at = 0;
            for (int t = 0; t < threads; t++) {
                System.arraycopy(latencies[t], 0, all, at, counts[t]);
                at += counts[t];
            }
            Arrays.sort(all);
            System.out.printf("%.1f %.2f %.2f%n", total / (double) seconds, all[total / 2] / 1e6, all[(int) (total * 0.99)] / 1e6);
        }
    }
}
