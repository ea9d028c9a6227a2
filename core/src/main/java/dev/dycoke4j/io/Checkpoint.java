package dev.dycoke4j.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dycoke4j.tensor.DType;
import dev.dycoke4j.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The tensors of a Hugging Face checkpoint directory: {@code model.safetensors}, or the shards listed by
 * {@code model.safetensors.index.json}, each memory-mapped. Lookups check names, shapes and dtypes and fail with a
 * message naming the file.
 */
public final class Checkpoint implements AutoCloseable {
    private final Path dir;
    private final List<Safetensors> files;
    private final Map<String, Safetensors> byName;

    private Checkpoint(Path dir, List<Safetensors> files, Map<String, Safetensors> byName) {
        this.dir = dir;
        this.files = files;
        this.byName = byName;
    }

    public static Checkpoint open(Path dir) {
        if (!Files.isDirectory(dir)) throw new ModelFormatException(dir + ": not a checkpoint directory");
        Path index = dir.resolve("model.safetensors.index.json");
        Path single = dir.resolve("model.safetensors");
        List<Path> paths = new ArrayList<>();
        if (Files.isRegularFile(index)) {
            JsonNode map;
            try {
                map = new ObjectMapper().readTree(index.toFile()).get("weight_map");
            } catch (IOException e) {
                throw new ModelFormatException(index + ": not valid JSON (" + Safetensors.firstLine(e.getMessage()) + ")");
            }
            if (map == null || !map.isObject()) throw new ModelFormatException(index + ": has no weight_map object");
            TreeSet<String> shards = new TreeSet<>();
            map.properties().forEach(e -> shards.add(e.getValue().asText()));
            for (String s : shards) {
                Path p = dir.resolve(s).normalize();
                if (!p.startsWith(dir.normalize())) throw new ModelFormatException(index + ": shard '" + s + "' lies outside the checkpoint");
                if (!Files.isRegularFile(p)) throw new ModelFormatException(index + ": lists shard '" + s + "', which is missing");
                paths.add(p);
            }
        } else if (Files.isRegularFile(single)) {
            paths.add(single);
        } else {
            try (Stream<Path> s = Files.list(dir)) {
                s.filter(p -> p.getFileName().toString().endsWith(".safetensors")).sorted().forEach(paths::add);
            } catch (IOException e) {
                throw new ModelFormatException(dir + ": cannot list (" + e.getMessage() + ")");
            }
            if (paths.isEmpty()) throw new ModelFormatException(dir + ": no model.safetensors (or index) found");
        }
        List<Safetensors> opened = new ArrayList<>();
        Map<String, Safetensors> byName = new LinkedHashMap<>();
        try {
            for (Path p : paths) {
                Safetensors st = Safetensors.open(p);
                opened.add(st);
                for (String name : st.tensors().keySet()) {
                    Safetensors prev = byName.put(name, st);
                    if (prev != null) throw new ModelFormatException(p + ": tensor '" + name + "' also appears in " + prev.file());
                }
            }
        } catch (RuntimeException e) {
            opened.forEach(Safetensors::close);
            throw e;
        }
        return new Checkpoint(dir, opened, byName);
    }

    public Path dir() {
        return dir;
    }

    /** The safetensors files, in the order they were opened. */
    public List<Path> files() {
        return files.stream().map(Safetensors::file).toList();
    }

    public boolean has(String name) {
        return byName.containsKey(name);
    }

    /** The tensor, which must exist and have exactly {@code shape} (when given) and a float dtype we support. */
    public Tensor weight(String name, long... shape) {
        Safetensors st = byName.get(name);
        if (st == null) {
            Path where = files.size() == 1 ? files.getFirst().file() : dir;
            throw new ModelFormatException(where + ": missing tensor '" + name + "'");
        }
        Tensor t = st.get(name);
        if (shape.length > 0 && !Arrays.equals(t.shape(), shape))
            throw new ModelFormatException(st.file() + ": tensor '" + name + "' has shape " + Arrays.toString(t.shape())
                    + ", but config.json implies " + Arrays.toString(shape));
        if (t.dtype() != DType.F32 && t.dtype() != DType.BF16 && t.dtype() != DType.F16)
            throw new ModelFormatException(st.file() + ": tensor '" + name + "' has dtype " + t.dtype() + "; weights must be F32, F16 or BF16");
        return t;
    }

    /** Stored bytes of the tensors whose names start with any of {@code prefixes}. */
    public long bytesUnder(String... prefixes) {
        long b = 0;
        for (String n : byName.keySet())
            for (String p : prefixes)
                if (n.startsWith(p)) {
                    b += byName.get(n).get(n).byteSize();
                    break;
                }
        return b;
    }

    public long totalBytes() {
        return byName.keySet().stream().mapToLong(n -> byName.get(n).get(n).byteSize()).sum();
    }

    @Override
    public void close() {
        files.forEach(Safetensors::close);
    }
}
