package dev.dycoke4j.io;

import dev.dycoke4j.tensor.DType;
import dev.dycoke4j.tensor.Q8Matrix;
import dev.dycoke4j.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * The on-disk cache of a checkpoint's int8 weights: one safetensors file with, per quantized matrix {@code name}, the
 * tensor {@code name} (I8 {@code [n, k]}, each row in {@link Q8Matrix}'s grouped byte order) and {@code name.scales}
 * (F32 {@code [n, k/32]}).
 *
 * <p>It lives in the checkpoint directory as {@value #LOCAL} when that is writable, otherwise in the dycoke cache
 * folder as {@code q8/<key>.safetensors}. Its metadata holds the checkpoint's {@link #key key} (a hash of every
 * safetensors file's name, size, modification time and header), so a changed checkpoint never gets stale quants, and a
 * CRC-32C of all tensor bytes, so a damaged file is noticed; such a file is ignored (and rewritten by the caller).
 */
public final class Q8Cache {
    /** Where the cache sits inside a writable checkpoint directory (a sub-folder: never mistaken for a shard). */
    public static final String LOCAL = ".dycoke/weights-q8.safetensors";
    static final String FORMAT = "dycoke-q8-v2"; // v2: quants in Q8Matrix's grouped byte order

    private Q8Cache() {
    }

    /** What a valid cache file holds: its mapping (close it with the model) and the matrices by tensor name. */
    public record Loaded(Safetensors file, Map<String, Q8Matrix> matrices) implements AutoCloseable {
        @Override
        public void close() {
            file.close();
        }
    }

    /** Identifies the checkpoint's weights as stored: SHA-256 over each file's name, size, mtime and header. */
    public static String key(Checkpoint ck) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update((FORMAT + "\n").getBytes(StandardCharsets.UTF_8));
            List<Path> files = ck.files().stream().sorted(Comparator.comparing(Path::toString)).toList();
            for (Path f : files) {
                md.update((f.getFileName() + "\n" + Files.size(f) + "\n" + Files.getLastModifiedTime(f).toMillis() + "\n").getBytes(StandardCharsets.UTF_8));
                md.update(header(f));
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            throw new ModelFormatException(ck.dir() + ": cannot read for the weights cache key (" + e.getMessage() + ")");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] header(Path f) throws IOException {
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(len, 0);
            long n = len.flip().remaining() == 8 ? len.getLong() : 0;
            ByteBuffer h = ByteBuffer.allocate((int) Math.max(0, Math.min(n, Math.min(ch.size() - 8, 100L << 20))));
            ch.read(h, 8);
            return Arrays.copyOf(h.array(), h.position());
        }
    }

    /** The cache file to use: inside the checkpoint if it exists there or the directory is writable, else in {@code fallbackDir}. */
    public static Path location(Path modelDir, Path fallbackDir, String key) {
        return location(modelDir, fallbackDir, key, Files.isWritable(modelDir));
    }

    /** As above, with the writability of the model directory given. */
    public static Path location(Path modelDir, Path fallbackDir, String key, boolean modelDirWritable) {
        Path local = modelDir.resolve(LOCAL);
        if (Files.exists(local) || modelDirWritable || fallbackDir == null) return local;
        return fallbackDir.resolve("q8").resolve(key + ".safetensors");
    }

    /**
     * Opens the cache file if it is valid for {@code key}: returns null when it is missing, or (after one line to
     * {@code notes} saying why) when it is unreadable, truncated, damaged or made from other weights.
     */
    public static Loaded read(Path file, String key, java.util.function.Consumer<String> notes) {
        if (!Files.exists(file)) return null;
        Safetensors st;
        try {
            st = Safetensors.open(file);
        } catch (ModelFormatException e) {
            notes.accept("dycoke: ignoring the q8 weights cache: " + e.getMessage() + "; rewriting it");
            return null;
        }
        String problem = problem(st, key);
        if (problem != null) {
            st.close();
            notes.accept("dycoke: ignoring the q8 weights cache " + file + ": " + problem + "; rewriting it");
            return null;
        }
        Map<String, Q8Matrix> out = new LinkedHashMap<>();
        for (Tensor t : st.tensors().values()) {
            if (t.name().endsWith(".scales")) continue;
            Tensor s = st.get(t.name() + ".scales");
            out.put(t.name(), new Q8Matrix(t.name(), t.dim(0), t.dim(1), t.segment(), s.segment()));
        }
        return new Loaded(st, out);
    }

    /** Why {@code st} is not a valid cache for {@code key}, or null. */
    private static String problem(Safetensors st, String key) {
        Map<String, String> meta = st.metadata();
        if (!FORMAT.equals(meta.get("dycoke_format"))) return "not a " + FORMAT + " file";
        if (!key.equals(meta.get("checkpoint_key"))) return "made from other weights (the checkpoint changed)";
        for (Tensor t : st.tensors().values()) {
            if (t.name().endsWith(".scales")) continue;
            Tensor s = st.tensors().get(t.name() + ".scales");
            if (t.dtype() != DType.I8 || t.rank() != 2 || t.dim(1) % Q8Matrix.BLOCK != 0 || s == null || s.dtype() != DType.F32
                    || !Arrays.equals(s.shape(), new long[] {t.dim(0), t.dim(1) / Q8Matrix.BLOCK}))
                return "tensor '" + t.name() + "' is not an I8 matrix with its F32 block scales";
        }
        String crc = crc(st.tensors().values().stream().sorted(Comparator.comparing(Tensor::name)).map(Tensor::segment).toList());
        if (!crc.equals(meta.get("crc32c"))) return "damaged (checksum mismatch)";
        return null;
    }

    /** Writes {@code matrices} for {@code key} atomically (temporary file, then a rename). */
    public static void write(Path file, String key, Collection<Q8Matrix> matrices) {
        SafetensorsWriter w = new SafetensorsWriter();
        Map<String, MemorySegment> byName = new java.util.TreeMap<>();
        for (Q8Matrix m : matrices) {
            w.addSegment(m.name(), DType.I8, m.quants(), m.rows(), m.cols());
            w.addSegment(m.name() + ".scales", DType.F32, m.scales(), m.rows(), m.blocks());
            byName.put(m.name(), m.quants());
            byName.put(m.name() + ".scales", m.scales());
        }
        w.metadata("dycoke_format", FORMAT).metadata("checkpoint_key", key).metadata("crc32c", crc(List.copyOf(byName.values())));
        w.write(file);
    }

    /** CRC-32C of the segments' bytes, in order, as hex. */
    static String crc(List<MemorySegment> segments) {
        CRC32C crc = new CRC32C();
        for (MemorySegment s : segments)
            for (long o = 0; o < s.byteSize(); o += 1 << 28) crc.update(s.asSlice(o, Math.min(1 << 28, s.byteSize() - o)).asByteBuffer());
        return Long.toHexString(crc.getValue());
    }
}
