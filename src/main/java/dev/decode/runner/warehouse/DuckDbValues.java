package dev.decode.runner.warehouse;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.Array;
import java.sql.Blob;
import java.sql.SQLException;
import java.sql.Struct;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * DuckDB values as JSON-ready Java values: exact numbers stay exact (DECIMAL as BigDecimal, HUGEINT as
 * BigInteger, written as plain JSON numbers), dates and times become ISO-8601 strings, LIST/ARRAY/STRUCT/MAP become
 * JSON arrays and objects, BLOB becomes base64, anything else its text.
 */
final class DuckDbValues {

    private DuckDbValues() {
    }

    static Object toJson(Object value) throws SQLException {
        if (value == null || value instanceof String || value instanceof Boolean || value instanceof Integer
                || value instanceof Long || value instanceof Short || value instanceof Byte || value instanceof BigInteger) {
            return value;
        }
        if (value instanceof BigDecimal decimal) {
            return decimal;
        }
        if (value instanceof Double d) {
            return d.isNaN() || d.isInfinite() ? d.toString() : d;
        }
        if (value instanceof Float f) {
            return f.isNaN() || f.isInfinite() ? f.toString() : f.doubleValue();
        }
        if (value instanceof LocalDate date) {
            return date.toString();
        }
        if (value instanceof LocalDateTime dateTime) {
            return DateTimeFormatter.ISO_LOCAL_DATE_TIME.format(dateTime);
        }
        if (value instanceof OffsetDateTime dateTime) {
            return DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(dateTime.withOffsetSameInstant(ZoneOffset.UTC));
        }
        if (value instanceof java.sql.Timestamp timestamp) {
            return DateTimeFormatter.ISO_LOCAL_DATE_TIME.format(timestamp.toLocalDateTime());
        }
        if (value instanceof java.sql.Date date) {
            return date.toLocalDate().toString();
        }
        if (value instanceof LocalTime || value instanceof OffsetTime || value instanceof java.sql.Time || value instanceof UUID) {
            return value.toString();
        }
        if (value instanceof byte[] bytes) {
            return Base64.getEncoder().encodeToString(bytes);
        }
        if (value instanceof Blob blob) {
            return Base64.getEncoder().encodeToString(blob.getBytes(1, Math.toIntExact(blob.length())));
        }
        if (value instanceof java.nio.ByteBuffer buffer) {
            byte[] bytes = new byte[buffer.remaining()];
            buffer.duplicate().get(bytes);
            return Base64.getEncoder().encodeToString(bytes);
        }
        if (value instanceof Array array) {
            return list((Object[]) array.getArray());
        }
        if (value instanceof Object[] items) {
            return list(items);
        }
        if (value instanceof List<?> items) {
            return list(items.toArray());
        }
        if (value instanceof Struct struct) {
            return struct(struct);
        }
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> json = new LinkedHashMap<>();
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                json.put(String.valueOf(entry.getKey()), toJson(entry.getValue()));
            }
            return json;
        }
        return value.toString();
    }

    private static List<Object> list(Object[] items) throws SQLException {
        List<Object> json = new ArrayList<>(items.length);
        for (Object item : items) {
            json.add(toJson(item));
        }
        return json;
    }

    private static Object struct(Struct struct) throws SQLException {
        if (struct instanceof org.duckdb.DuckDBStruct duck) {
            Map<String, Object> json = new LinkedHashMap<>();
            for (Map.Entry<String, Object> field : duck.getMap().entrySet()) {
                json.put(field.getKey(), toJson(field.getValue()));
            }
            return json;
        }
        return list(struct.getAttributes());
    }
}
