package dev.dycoke4j.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dycoke4j.tensor.DType;
import dev.dycoke4j.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One safetensors file, memory-mapped read-only with FFM. The header is validated before any tensor is handed out:
 * known dtypes, sizes that agree with shapes, offsets inside the file and no overlaps. Each tensor is a slice of the
 * mapping, so reads are bounds-checked and nothing is copied onto the heap.
 */
public final class Safetensors implements AutoCloseable {
    private static final long MAX_HEADER = 100L << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final Arena arena;
    private final Map<String, Tensor> tensors;
    private final Map<String, String> metadata;

    private Safetensors(Path file, Arena arena, Map<String, Tensor> tensors, Map<String, String> metadata) {
        this.file = file;
        this.arena = arena;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    /** Maps {@code file}; throws {@link ModelFormatException} naming the file for anything wrong with it. */
    public static Safetensors open(Path file) {
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) throw bad(file, "file is truncated (" + size + " bytes, shorter than the 8-byte header length)");
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long headerLen = lenBuf.getLong(0);
            if (headerLen < 2 || headerLen > MAX_HEADER)
                throw bad(file, "header length " + Long.toUnsignedString(headerLen) + " is not plausible; not a safetensors file?");
            if (8 + headerLen > size)
                throw bad(file, "file is truncated: header length " + headerLen + " runs past the end of the file (" + size + " bytes)");
            ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
            readFully(ch, hb, 8);
            JsonNode header;
            try {
                header = JSON.readTree(new String(hb.array(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw bad(file, "header is not valid JSON (" + firstLine(e.getMessage()) + ")");
            }
            if (header == null || !header.isObject()) throw bad(file, "header is not a JSON object");
            long dataStart = 8 + headerLen;
            long dataLen = size - dataStart;
            // The kernels get the bytes as a plain native segment (same memory, same arena, read-only), not as the
            // mapped segment: a Vector API load compiled for one segment class is slow, or not compiled into a vector
            // load at all, once the same load has also seen the other class, and the engine's own buffers are native.
            // The mapping stays with each tensor for releasePages. (Without native access, which reinterpreting needs,
            // the kernels read the mapping itself.)
            MemorySegment mapped = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            MemorySegment plain = plain(mapped, arena);
            MemorySegment body = plain.asSlice(dataStart, dataLen), bodyPages = mapped.asSlice(dataStart, dataLen);
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            Map<String, String> meta = new LinkedHashMap<>();
            List<long[]> ranges = new ArrayList<>();
            List<String> rangeNames = new ArrayList<>();
            for (Map.Entry<String, JsonNode> e : header.properties()) {
                String name = e.getKey();
                JsonNode v = e.getValue();
                if (name.equals("__metadata__")) {
                    if (v.isObject()) v.properties().forEach(m -> meta.put(m.getKey(), m.getValue().asText()));
                    continue;
                }
                Tensor t = parseEntry(file, name, v, body, bodyPages, dataLen);
                tensors.put(name, t);
                long[] off = {v.get("data_offsets").get(0).asLong(), v.get("data_offsets").get(1).asLong()};
                if (off[1] > off[0]) {
                    ranges.add(off);
                    rangeNames.add(name);
                }
            }
            checkOverlaps(file, ranges, rangeNames);
            return new Safetensors(file, arena, Map.copyOf(tensors), meta);
        } catch (ModelFormatException e) {
            arena.close();
            throw e;
        } catch (NoSuchFileException e) {
            arena.close();
            throw bad(file, "file not found");
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw bad(file, "cannot read (" + firstLine(String.valueOf(e.getMessage())) + ")");
        }
    }

    /** The mapping as a plain native segment of the same arena (read-only as it is), or itself without native access. */
    @SuppressWarnings("restricted") // the same address, size and arena: nothing outside the mapping becomes readable
    private static MemorySegment plain(MemorySegment mapped, Arena arena) {
        return Safetensors.class.getModule().isNativeAccessEnabled() ? mapped.reinterpret(arena, null) : mapped;
    }

    private static Tensor parseEntry(Path file, String name, JsonNode v, MemorySegment body, MemorySegment bodyPages, long dataLen) {
        if (!v.isObject()) throw bad(file, "tensor '" + name + "' has no dtype/shape/data_offsets entry");
        JsonNode dt = v.get("dtype"), sh = v.get("shape"), off = v.get("data_offsets");
        if (dt == null || sh == null || off == null || !sh.isArray() || !off.isArray() || off.size() != 2)
            throw bad(file, "tensor '" + name + "' has a malformed header entry");
        DType dtype = DType.parse(dt.asText());
        if (dtype == null) throw bad(file, "tensor '" + name + "' has unsupported dtype " + dt.asText());
        long[] shape = new long[sh.size()];
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = sh.get(i);
            if (!d.canConvertToLong() || d.asLong() < 0) throw bad(file, "tensor '" + name + "' has a bad shape " + sh);
            shape[i] = d.asLong();
        }
        if (!off.get(0).canConvertToLong() || !off.get(1).canConvertToLong())
            throw bad(file, "tensor '" + name + "' has bad data_offsets " + off);
        long begin = off.get(0).asLong(), end = off.get(1).asLong();
        if (begin < 0 || end < begin || end > dataLen)
            throw bad(file, "tensor '" + name + "' has data_offsets " + off + " outside the data (" + dataLen + " bytes)");
        long numel;
        try {
            numel = Tensor.numel(shape);
            if (Math.multiplyExact(numel, dtype.bytes) != end - begin)
                throw bad(file, "tensor '" + name + "' holds " + (end - begin) + " bytes but " + dtype + Arrays.toString(shape) + " needs " + numel * dtype.bytes);
        } catch (ArithmeticException e) {
            throw bad(file, "tensor '" + name + "' has an overflowing shape " + sh);
        }
        return new Tensor(name, dtype, shape, body.asSlice(begin, end - begin), bodyPages.asSlice(begin, end - begin));
    }

    private static void checkOverlaps(Path file, List<long[]> ranges, List<String> names) {
        Integer[] order = new Integer[ranges.size()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        Arrays.sort(order, Comparator.comparingLong(i -> ranges.get(i)[0]));
        for (int i = 1; i < order.length; i++) {
            long[] prev = ranges.get(order[i - 1]), cur = ranges.get(order[i]);
            if (cur[0] < prev[1])
                throw bad(file, "tensors '" + names.get(order[i - 1]) + "' and '" + names.get(order[i]) + "' overlap");
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos + buf.position());
            if (n < 0) throw new IOException("unexpected end of file");
        }
    }

    static ModelFormatException bad(Path file, String problem) {
        return new ModelFormatException(file + ": " + problem);
    }

    static String firstLine(String s) {
        if (s == null) return "";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    public Path file() {
        return file;
    }

    public Map<String, Tensor> tensors() {
        return tensors;
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    public Tensor get(String name) {
        Tensor t = tensors.get(name);
        if (t == null) throw bad(file, "missing tensor '" + name + "'");
        return t;
    }

    @Override
    public void close() {
        arena.close();
    }
}
