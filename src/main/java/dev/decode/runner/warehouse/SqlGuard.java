package dev.decode.runner.warehouse;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The service's half of the sandbox; DuckDB's own settings are the other half (see {@link DuckDbConnector}).
 * It reads the statement as tokens (comments and string literals cannot hide or fake a keyword) and refuses what
 * reaches outside the user's database and {@code learn}, or what would change a pooled connection for the next
 * request. Refusals are 403 sql-not-allowed; a statement it cannot read is 400 sql-error.
 */
public final class SqlGuard {

    private static final Set<String> FIRST_WORDS = Set.of("SELECT", "WITH", "FROM", "VALUES", "TABLE", "EXPLAIN",
            "DESCRIBE", "DESC", "SHOW", "SUMMARIZE", "PIVOT", "UNPIVOT", "CREATE", "INSERT", "UPDATE", "DELETE", "DROP",
            "ALTER", "TRUNCATE", "PRAGMA");
    /** Statement kinds that reach outside the sandbox or change the pooled connection for the next request. */
    private static final Set<String> STATEMENTS_NOT_ALLOWED = Set.of("ATTACH", "DETACH", "INSTALL", "LOAD", "SET", "RESET",
            "COPY", "EXPORT", "IMPORT", "USE", "CALL", "CHECKPOINT", "FORCE", "BEGIN", "START", "COMMIT", "END", "ROLLBACK",
            "ABORT", "VACUUM", "PREPARE", "EXECUTE", "DEALLOCATE", "UPDATE_EXTENSIONS");
    /** Refused anywhere in a statement; other statement kinds (SET, USE, CALL, BEGIN...) are refused as first words. */
    private static final Set<String> FORBIDDEN_WORDS = Set.of("ATTACH", "DETACH", "INSTALL", "LOAD", "COPY", "EXPORT",
            "IMPORT");
    private static final Set<String> READ_ONLY_PRAGMAS = Set.of("TABLE_INFO", "SHOW_TABLES", "SHOW_TABLES_EXPANDED",
            "SHOW", "FUNCTIONS", "COLLATIONS");
    private static final Set<String> FORBIDDEN_FUNCTIONS = Set.of("GLOB", "SNIFF_CSV", "QUERY", "QUERY_TABLE",
            "CURRENT_SETTING", "GETENV", "WHICH_SECRET", "LOAD_EXTENSION", "READ_TEXT", "READ_BLOB", "SQLITE_SCAN",
            "POSTGRES_SCAN", "MYSQL_SCAN", "DELTA_SCAN", "ICEBERG_SCAN", "PARQUET_SCAN");
    /** Families of file-reading table functions, refused when called. */
    private static final List<String> FORBIDDEN_CALL_PREFIXES = List.of("READ_", "PARQUET_", "ICEBERG_");
    /** System views and functions that describe the server (file paths, settings, extensions), not the data. */
    private static final List<String> FORBIDDEN_PREFIXES = List.of("DUCKDB_", "PRAGMA_");
    /** Words after which a string literal would be read as a file name. */
    private static final Set<String> RELATION_WORDS = Set.of("FROM", "JOIN", "TABLE", "INTO", "DESCRIBE", "SUMMARIZE");

    private SqlGuard() {
    }

    public static void check(String sql) {
        List<SqlTokens.Token> tokens = SqlTokens.of(sql);
        List<List<SqlTokens.Token>> statements = splitStatements(tokens);
        if (statements.isEmpty()) {
            throw WarehouseProblems.sqlError("The request holds no SQL statement.");
        }
        if (statements.size() > 1) {
            throw WarehouseProblems.sqlError("Send one statement per request; this one holds " + statements.size() + ".");
        }
        List<SqlTokens.Token> statement = statements.get(0);
        SqlTokens.Token first = statement.get(0);
        String firstWord = first.isWord() ? first.upper() : first.text();
        if (!first.isWord() && !first.text().equals("(")) {
            throw WarehouseProblems.sqlError("A statement cannot start with '" + first.text() + "'.");
        }
        if (first.isWord() && STATEMENTS_NOT_ALLOWED.contains(firstWord)) {
            throw WarehouseProblems.notAllowed(firstWord + " statements are not allowed: queries and changes to your own tables are.");
        }
        if (first.isWord() && !FIRST_WORDS.contains(firstWord)) {
            throw WarehouseProblems.sqlError("'" + first.text() + "' does not start a statement here; queries start with"
                    + " SELECT, WITH or FROM, changes with CREATE, INSERT, UPDATE, DELETE, DROP or ALTER.");
        }
        if (firstWord.equals("PRAGMA")) {
            checkPragma(statement);
        }
        if ((firstWord.equals("CREATE") || firstWord.equals("DROP")) && statement.stream().limit(6)
                .anyMatch(token -> token.isWord() && token.upper().equals("SECRET"))) {
            throw WarehouseProblems.notAllowed("Secrets are not allowed: nothing here reaches outside storage.");
        }
        for (int i = 0; i < statement.size(); i++) {
            SqlTokens.Token token = statement.get(i);
            SqlTokens.Token next = i + 1 < statement.size() ? statement.get(i + 1) : null;
            if (token.isWord()) {
                checkWord(token.upper(), i == 0, next);
            } else if (token.isString() && i > 0 && isRelationPosition(statement.get(i - 1))) {
                throw WarehouseProblems.notAllowed("Reading files or URLs is not allowed; query tables in your database or in learn.");
            }
        }
    }

    private static void checkWord(String word, boolean first, SqlTokens.Token next) {
        if (FORBIDDEN_WORDS.contains(word) || (word.equals("PRAGMA") && !first)) {
            throw WarehouseProblems.notAllowed(word + " is not allowed here: it reaches outside your database or changes settings.");
        }
        boolean call = next != null && next.text().equals("(");
        boolean forbiddenCall = call && (FORBIDDEN_FUNCTIONS.contains(word) || startsWithAny(word, FORBIDDEN_CALL_PREFIXES));
        if (forbiddenCall || startsWithAny(word, FORBIDDEN_PREFIXES)) {
            throw WarehouseProblems.notAllowed(word.toLowerCase(Locale.ROOT) + " is not allowed: it reads files or describes the server.");
        }
    }

    private static void checkPragma(List<SqlTokens.Token> statement) {
        if (statement.size() < 2 || !statement.get(1).isWord() || !READ_ONLY_PRAGMAS.contains(statement.get(1).upper())
                || statement.stream().anyMatch(token -> token.text().equals("="))) {
            throw WarehouseProblems.notAllowed("Only read-only PRAGMAs (table_info, show_tables, show) are allowed.");
        }
    }

    private static boolean isRelationPosition(SqlTokens.Token previous) {
        return previous.isWord() && RELATION_WORDS.contains(previous.upper());
    }

    // A loop rather than a stream: this runs for every word of every query.
    private static boolean startsWithAny(String word, List<String> prefixes) {
        for (String prefix : prefixes) {
            if (word.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    private static List<List<SqlTokens.Token>> splitStatements(List<SqlTokens.Token> tokens) {
        List<List<SqlTokens.Token>> statements = new ArrayList<>();
        List<SqlTokens.Token> current = new ArrayList<>();
        for (SqlTokens.Token token : tokens) {
            if (token.text().equals(";") && !token.isString()) {
                if (!current.isEmpty()) {
                    statements.add(current);
                }
                current = new ArrayList<>();
            } else {
                current.add(token);
            }
        }
        if (!current.isEmpty()) {
            statements.add(current);
        }
        return statements;
    }
}
