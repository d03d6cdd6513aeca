package dev.decode.runner.warehouse;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A small SQL lexer for {@link SqlGuard}: words, quoted identifiers, string literals (with '' and E'\'' escapes and
 * $tag$ quoting) and punctuation, with comments dropped. It does not parse; DuckDB does that.
 */
final class SqlTokens {

    enum Kind { WORD, IDENTIFIER, STRING, NUMBER, SYMBOL }

    /** {@code upper} is a word's text in upper case, taken once because every rule compares it. */
    record Token(Kind kind, String text, String upper) {
        Token(Kind kind, String text) {
            this(kind, text, kind == Kind.WORD ? text.toUpperCase(Locale.ROOT) : text);
        }

        boolean isWord() {
            return kind == Kind.WORD;
        }

        boolean isString() {
            return kind == Kind.STRING;
        }
    }

    private SqlTokens() {
    }

    static List<Token> of(String sql) {
        List<Token> tokens = new ArrayList<>();
        int i = 0;
        int n = sql.length();
        while (i < n) {
            char c = sql.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '-' && i + 1 < n && sql.charAt(i + 1) == '-') {
                int end = sql.indexOf('\n', i);
                i = end < 0 ? n : end + 1;
            } else if (c == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
                i = skipBlockComment(sql, i);
            } else if (c == '\'') {
                i = string(sql, i, false, tokens);
            } else if ((c == 'e' || c == 'E') && i + 1 < n && sql.charAt(i + 1) == '\'') {
                i = string(sql, i + 1, true, tokens);
            } else if (c == '"') {
                i = quotedIdentifier(sql, i, tokens);
            } else if (c == '$' && dollarTag(sql, i) != null) {
                i = dollarString(sql, i, tokens);
            } else if (Character.isLetter(c) || c == '_') {
                int start = i;
                while (i < n && (Character.isLetterOrDigit(sql.charAt(i)) || sql.charAt(i) == '_' || sql.charAt(i) == '$')) {
                    i++;
                }
                tokens.add(new Token(Kind.WORD, sql.substring(start, i)));
            } else if (Character.isDigit(c)) {
                int start = i;
                while (i < n && (Character.isLetterOrDigit(sql.charAt(i)) || sql.charAt(i) == '.' || sql.charAt(i) == '_')) {
                    i++;
                }
                tokens.add(new Token(Kind.NUMBER, sql.substring(start, i)));
            } else {
                tokens.add(new Token(Kind.SYMBOL, String.valueOf(c)));
                i++;
            }
        }
        return tokens;
    }

    private static int skipBlockComment(String sql, int start) {
        int depth = 0;
        int i = start;
        while (i < sql.length() - 1) {
            if (sql.startsWith("/*", i)) {
                depth++;
                i += 2;
            } else if (sql.startsWith("*/", i)) {
                depth--;
                i += 2;
                if (depth == 0) {
                    return i;
                }
            } else {
                i++;
            }
        }
        throw WarehouseProblems.sqlError("A /* comment is not closed.");
    }

    private static int string(String sql, int quote, boolean backslashEscapes, List<Token> tokens) {
        StringBuilder value = new StringBuilder();
        int i = quote + 1;
        while (i < sql.length()) {
            char c = sql.charAt(i);
            if (backslashEscapes && c == '\\' && i + 1 < sql.length()) {
                value.append(sql.charAt(i + 1));
                i += 2;
            } else if (c == '\'' && i + 1 < sql.length() && sql.charAt(i + 1) == '\'') {
                value.append('\'');
                i += 2;
            } else if (c == '\'') {
                tokens.add(new Token(Kind.STRING, value.toString()));
                return i + 1;
            } else {
                value.append(c);
                i++;
            }
        }
        throw WarehouseProblems.sqlError("A string literal is not closed.");
    }

    private static int quotedIdentifier(String sql, int quote, List<Token> tokens) {
        StringBuilder value = new StringBuilder();
        int i = quote + 1;
        while (i < sql.length()) {
            char c = sql.charAt(i);
            if (c == '"' && i + 1 < sql.length() && sql.charAt(i + 1) == '"') {
                value.append('"');
                i += 2;
            } else if (c == '"') {
                // A quoted name still names the same function or statement word: "read_csv"(...) is read_csv.
                tokens.add(new Token(Kind.WORD, value.toString()));
                return i + 1;
            } else {
                value.append(c);
                i++;
            }
        }
        throw WarehouseProblems.sqlError("A quoted identifier is not closed.");
    }

    private static String dollarTag(String sql, int start) {
        int i = start + 1;
        while (i < sql.length() && (Character.isLetterOrDigit(sql.charAt(i)) || sql.charAt(i) == '_')) {
            i++;
        }
        return i < sql.length() && sql.charAt(i) == '$' ? sql.substring(start, i + 1) : null;
    }

    private static int dollarString(String sql, int start, List<Token> tokens) {
        String tag = dollarTag(sql, start);
        int end = sql.indexOf(tag, start + tag.length());
        if (end < 0) {
            throw WarehouseProblems.sqlError("A " + tag + " quoted string is not closed.");
        }
        tokens.add(new Token(Kind.STRING, sql.substring(start + tag.length(), end)));
        return end + tag.length();
    }
}
