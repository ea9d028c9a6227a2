package dev.dycoke4j.cache;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A content address: the SHA-256 of tagged, length-prefixed fields, as 64 hex digits. Every field is written with
 * its tag and length, so that no two different field lists hash the same bytes.
 */
public final class CacheKey {
    private final MessageDigest sha;

    private CacheKey(String kind) {
        sha = newSha256();
        text("kind", kind);
    }

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    /** The SHA-256 of a file's bytes, read 1 MiB at a time (never whole). */
    public static byte[] sha256(Path file) throws IOException {
        MessageDigest md = newSha256();
        byte[] buf = new byte[1 << 20];
        try (InputStream in = Files.newInputStream(file)) {
            for (int r; (r = in.read(buf)) >= 0; ) md.update(buf, 0, r);
        }
        return md.digest();
    }

    /** A key of one kind (the kinds never collide: the kind is the first field). */
    public static CacheKey of(String kind) {
        return new CacheKey(kind);
    }

    public CacheKey text(String tag, String value) {
        return bytes(tag, value.getBytes(StandardCharsets.UTF_8));
    }

    public CacheKey number(String tag, long value) {
        return bytes(tag, ByteBuffer.allocate(8).putLong(value).array());
    }

    public CacheKey bytes(String tag, byte[] value) {
        header(tag, value.length);
        sha.update(value);
        return this;
    }

    public CacheKey ints(String tag, int[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asIntBuffer().put(values);
        return bytes(tag, b.array());
    }

    private void header(String tag, long length) {
        byte[] t = tag.getBytes(StandardCharsets.UTF_8);
        sha.update(ByteBuffer.allocate(12).putInt(t.length).putLong(length).array());
        sha.update(t);
    }

    /** The 64 hex digits of the hash; the key is spent afterwards. */
    public String hex() {
        return HexFormat.of().formatHex(sha.digest());
    }
}
