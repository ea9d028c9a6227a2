package dev.dycoke4j.eval.data;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dycoke4j.eval.PyJson;

import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * A data folder laid out as lmms-eval's HF_HOME, written by tests: dataset repos in {@code hub/} as the Hugging Face
 * cache holds them (refs/main, snapshots/commit), parquet written by DuckDB, JSON by Jackson, videos as small files.
 */
final class DataDir {
    static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";
    final Path root;

    DataDir(Path root) {
        this.root = root;
    }

    DataLocation location() {
        return DataLocation.dataDir(root);
    }

    /** The snapshot folder of a dataset repo, made with refs/main pointing to it. */
    Path snapshot(String repo) throws IOException {
        Path r = root.resolve("hub").resolve("datasets--" + repo.replace("/", "--"));
        Files.createDirectories(r.resolve("refs"));
        Files.writeString(r.resolve("refs/main"), COMMIT);
        Path s = r.resolve("snapshots").resolve(COMMIT);
        Files.createDirectories(s);
        return s;
    }

    /** A file below HF_HOME (a stand-in video, a subtitle), with its folders. */
    Path file(String relative, String content) throws IOException {
        Path p = root.resolve(relative);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
        return p;
    }

    /** Rows written as parquet by DuckDB ({@code COPY ... TO}), each value typed from the Python value model. */
    static void parquet(Path file, List<Map<String, Object>> rows) throws IOException {
        Files.createDirectories(file.getParent());
        List<String> selects = new ArrayList<>();
        for (Map<String, Object> row : rows) {
            List<String> cols = new ArrayList<>();
            for (var e : row.entrySet()) cols.add(literal(e.getValue()) + " AS \"" + e.getKey().replace("\"", "\"\"") + "\"");
            selects.add("SELECT " + String.join(", ", cols));
        }
        String sql = "COPY (" + String.join(" UNION ALL ", selects) + ") TO '" + file.toAbsolutePath().toString().replace("'", "''") + "' (FORMAT parquet)";
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement st = c.createStatement()) {
            st.execute(sql);
        } catch (SQLException e) {
            throw new IOException(e);
        }
    }

    private static String literal(Object v) {
        return switch (v) {
            case null -> "NULL";
            case String s -> "'" + s.replace("'", "''") + "'::VARCHAR";
            case BigInteger b -> b + "::BIGINT";
            case Double d -> "'" + d + "'::DOUBLE";
            case Boolean b -> b.toString();
            case List<?> l when l.isEmpty() -> "[]::VARCHAR[]";
            case List<?> l -> "[" + String.join(", ", l.stream().map(DataDir::literal).toList()) + "]";
            default -> throw new IllegalArgumentException("no parquet literal for " + v.getClass());
        };
    }

    /** Rows as a JSON array, as MVBench ships its sub-tasks. */
    static void json(Path file, List<Map<String, Object>> rows) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, new ObjectMapper().writeValueAsString(PyJson.toJson(rows)), StandardCharsets.UTF_8);
    }

    /** A zip of name -> bytes. */
    static void zip(Path file, Map<String, byte[]> entries) throws IOException {
        Files.createDirectories(file.getParent());
        try (OutputStream out = Files.newOutputStream(file); ZipOutputStream z = new ZipOutputStream(out)) {
            for (var e : entries.entrySet()) {
                z.putNextEntry(new ZipEntry(e.getKey()));
                z.write(e.getValue());
                z.closeEntry();
            }
        }
    }
}
