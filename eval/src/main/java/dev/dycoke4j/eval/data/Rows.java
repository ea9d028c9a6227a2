package dev.dycoke4j.eval.data;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.dycoke4j.eval.PyJson;
import org.duckdb.DuckDBStruct;

import java.io.BufferedReader;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Struct;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A dataset file's rows as documents in the eval package's Python value model (ints as {@code BigInteger}, floats as
 * {@code Double}, lists, ordered maps), in file order. Parquet is read by DuckDB in-process; JSON (an array of objects,
 * or JSON Lines) by Jackson, with the {@code datasets} library's table semantics: every row has every column (null where
 * a row lacks it), and a column mixing ints and floats holds floats.
 */
final class Rows {
    private static final ObjectMapper JSON = JsonMapper.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();
    private static final String ROW = "__dycoke_row";

    private Rows() {
    }

    /** What a task needs of every row: its name and the fields it reads. */
    record Need(String task, List<String> fields) {
        DataException missing(Path file, String where, String field) {
            return new DataException(file + ": " + where + "no field '" + field + "', which " + task + " needs (" + String.join(", ", fields) + ")");
        }
    }

    /** The rows of a .parquet, .json or .jsonl file; a row without a needed field is a {@link DataException} naming it. */
    static List<Map<String, Object>> read(Path file, Need need) {
        String name = file.getFileName().toString();
        if (!Files.isRegularFile(file)) throw new DataException(file + ": no such dataset file");
        if (name.endsWith(".parquet")) return parquet(file, need);
        if (name.endsWith(".json") || name.endsWith(".jsonl")) return json(file, need);
        throw new DataException(file + ": not a dataset file (parquet, json or jsonl)");
    }

    static List<Map<String, Object>> parquet(Path file, Need need) {
        String sql = "SELECT *, file_row_number AS " + ROW + " FROM read_parquet('" + file.toAbsolutePath().toString().replace("'", "''")
                + "', file_row_number = true) ORDER BY " + ROW;
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            ResultSetMetaData md = rs.getMetaData();
            List<String> columns = new ArrayList<>();
            for (int i = 1; i <= md.getColumnCount(); i++) columns.add(md.getColumnLabel(i));
            for (String f : need.fields()) if (!columns.contains(f)) throw need.missing(file, "", f);
            List<Map<String, Object>> rows = new ArrayList<>();
            while (rs.next()) {
                Map<String, Object> row = new LinkedHashMap<>();
                for (int i = 0; i < columns.size(); i++) {
                    String col = columns.get(i);
                    if (col.equals(ROW) || col.equals("file_row_number")) continue;
                    row.put(col, value(rs.getObject(i + 1), file, rows.size(), col));
                }
                rows.add(row);
            }
            return rows;
        } catch (SQLException e) {
            throw new DataException(file + ": not a readable parquet file (" + firstLine(e.getMessage()) + ")", e);
        }
    }

    /** A JDBC value as a Python value. */
    private static Object value(Object x, Path file, int row, String col) throws SQLException {
        return switch (x) {
            case null -> null;
            case String s -> s;
            case Boolean b -> b;
            case Byte b -> BigInteger.valueOf(b);
            case Short s -> BigInteger.valueOf(s);
            case Integer i -> BigInteger.valueOf(i);
            case Long l -> BigInteger.valueOf(l);
            case BigInteger b -> b;
            case Float f -> (double) f;
            case Double d -> d;
            case BigDecimal d -> d.doubleValue();
            case Array a -> {
                List<Object> out = new ArrayList<>();
                for (Object o : (Object[]) a.getArray()) out.add(value(o, file, row, col));
                yield out;
            }
            case DuckDBStruct s -> value(s.getMap(), file, row, col);
            case Struct s -> throw new DataException(file + ": row " + row + ": column '" + col + "' is a struct without field names (" + s.getSQLTypeName() + ")");
            case Map<?, ?> m -> {
                Map<String, Object> out = new LinkedHashMap<>();
                for (var e : m.entrySet()) out.put(String.valueOf(e.getKey()), value(e.getValue(), file, row, col));
                yield out;
            }
            default -> x.toString();
        };
    }

    static List<Map<String, Object>> json(Path file, Need need) {
        List<Object> values = new ArrayList<>();
        try {
            String text = Files.readString(file, StandardCharsets.UTF_8);
            String t = text.stripLeading();
            if (t.startsWith("[")) {
                JsonNode root = JSON.readTree(text);
                for (JsonNode n : root) values.add(PyJson.fromJson(n));
            } else {
                try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                    String line;
                    int no = 0;
                    while ((line = r.readLine()) != null) {
                        no++;
                        if (line.isBlank()) continue;
                        try {
                            values.add(PyJson.fromJson(JSON.readTree(line)));
                        } catch (JsonProcessingException e) {
                            throw new DataException(file + ": line " + no + ": not JSON (" + firstLine(e.getOriginalMessage()) + ")", e);
                        }
                    }
                }
            }
        } catch (JsonProcessingException e) {
            throw new DataException(file + ": not JSON (" + firstLine(e.getOriginalMessage()) + ")", e);
        } catch (IOException e) {
            throw new DataException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        Set<String> columns = new LinkedHashSet<>();
        for (int i = 0; i < values.size(); i++) {
            if (!(values.get(i) instanceof Map<?, ?> m)) throw new DataException(file + ": row " + i + ": not a JSON object");
            @SuppressWarnings("unchecked") Map<String, Object> row = (Map<String, Object>) m;
            for (String f : need.fields()) if (!row.containsKey(f)) throw need.missing(file, "row " + i + ": ", f);
            columns.addAll(row.keySet());
            rows.add(row);
        }
        return table(rows, columns);
    }

    /** Every row with every column in first-seen order; a column with both ints and floats as floats, as Arrow types it. */
    private static List<Map<String, Object>> table(List<Map<String, Object>> rows, Set<String> columns) {
        Set<String> mixed = new LinkedHashSet<>();
        for (String c : columns) {
            boolean ints = false, floats = false;
            for (Map<String, Object> r : rows) {
                Object v = r.get(c);
                ints |= v instanceof BigInteger;
                floats |= v instanceof Double;
            }
            if (ints && floats) mixed.add(c);
        }
        List<Map<String, Object>> out = new ArrayList<>(rows.size());
        for (Map<String, Object> r : rows) {
            Map<String, Object> row = new LinkedHashMap<>();
            for (String c : columns) {
                Object v = r.get(c);
                row.put(c, mixed.contains(c) && v instanceof BigInteger b ? b.doubleValue() : v);
            }
            out.add(row);
        }
        return out;
    }

    private static String firstLine(String m) {
        if (m == null) return "unknown error";
        int nl = m.indexOf('\n');
        return (nl < 0 ? m : m.substring(0, nl)).strip();
    }
}
