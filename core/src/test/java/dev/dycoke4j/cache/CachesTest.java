package dev.dycoke4j.cache;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The memory LRU and the disk tier: byte bounds, recency, atomic files, and damaged files read as misses. */
class CachesTest {
    @TempDir
    Path tmp;

    static String key(String s) {
        return CacheKey.of("test").text("s", s).hex();
    }

    static byte[] payload(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) (i * 31 + seed);
        return b;
    }

    static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    @Test
    void keysDependOnEveryFieldAndItsBoundaries() {
        assertEquals(64, key("a").length());
        assertEquals(key("a"), key("a"));
        assertNotEquals(key("a"), key("b"));
        assertNotEquals(CacheKey.of("k").text("x", "ab").text("y", "c").hex(), CacheKey.of("k").text("x", "a").text("y", "bc").hex());
        assertNotEquals(CacheKey.of("k").number("n", 1).hex(), CacheKey.of("j").number("n", 1).hex());
    }

    @Test
    void memoryLruEvictsTheLeastRecentlyUsedByBytes() {
        MemoryLru<byte[]> lru = new MemoryLru<>(100, b -> b.length);
        lru.put("a", new byte[40]);
        lru.put("b", new byte[40]);
        lru.get("a");
        lru.put("c", new byte[40]);
        assertTrue(lru.contains("a"));
        assertFalse(lru.contains("b"), "b was the least recently used");
        assertTrue(lru.contains("c"));
        assertEquals(80, lru.bytes());
        lru.put("huge", new byte[101]);
        assertFalse(lru.contains("huge"), "a value over the whole bound is not kept");
        assertEquals(2, lru.size());
        lru.put("a", new byte[10]);
        assertEquals(50, lru.bytes(), "a replaced value no longer counts");
    }

    @Test
    void diskTierRoundTripsAndEvictsByBytes() throws Exception {
        DiskTier d = new DiskTier(tmp.resolve("c"), 2500);
        d.put(key("a"), payload(1000, 1));
        Files.setLastModifiedTime(d.file(key("a")), FileTime.fromMillis(1_000_000));
        d.put(key("b"), payload(1000, 2));
        Files.setLastModifiedTime(d.file(key("b")), FileTime.fromMillis(2_000_000));
        assertArrayEquals(payload(1000, 1), bytes(d.get(key("a"))), "a hit refreshes a");
        d.put(key("c"), payload(1000, 3));
        assertTrue(d.contains(key("a")));
        assertFalse(d.contains(key("b")), "b was the least recently used");
        assertArrayEquals(payload(1000, 3), bytes(d.get(key("c"))));
        assertTrue(d.bytes() <= 2500);
        try (var s = Files.list(d.dir())) {
            assertTrue(s.noneMatch(p -> p.toString().endsWith(".tmp")), "no temporary file is left");
        }
        assertNull(d.get(key("missing")));
    }

    @Test
    void truncatedCorruptOrMisplacedFilesAreMissesAndDeleted() throws Exception {
        DiskTier d = new DiskTier(tmp.resolve("c"), 1 << 20);
        d.put(key("t"), payload(500, 1));
        Path t = d.file(key("t"));
        byte[] all = Files.readAllBytes(t);
        Files.write(t, java.util.Arrays.copyOf(all, all.length - 7));
        assertNull(d.get(key("t")), "truncated");
        assertFalse(Files.exists(t), "the damaged file is deleted");

        d.put(key("f"), payload(500, 2));
        Path f = d.file(key("f"));
        all = Files.readAllBytes(f);
        all[all.length - 100] ^= 0x10;
        Files.write(f, all);
        assertNull(d.get(key("f")), "a flipped payload bit fails the checksum");

        d.put(key("m"), payload(500, 3));
        Files.copy(d.file(key("m")), d.file(key("other")));
        assertNull(d.get(key("other")), "a file under another key's name");
        assertArrayEquals(payload(500, 3), bytes(d.get(key("m"))));

        Files.write(d.file(key("g")), "garbage".getBytes());
        assertNull(d.get(key("g")), "too short for a header");
        Files.write(d.file(key("e")), new byte[0]);
        assertNull(d.get(key("e")), "empty");
        assertEquals(5, d.corruptFiles());
    }

    @Test
    void aFileTooBigForAnyPutIsDamagedAndDeletedWithoutReadingIt() throws Exception {
        DiskTier d = new DiskTier(tmp.resolve("c"), 1 << 20);
        Path big = d.file(key("big"));
        try (var f = new java.io.RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(3L << 30); // sparse: no disk or memory is used; too big for any byte array
        }
        assertNull(d.get(key("big")));
        assertFalse(Files.exists(big), "the oversized file is deleted");
        assertEquals(1, d.corruptFiles());
        d.put(key("big"), payload(100, 4));
        assertArrayEquals(payload(100, 4), bytes(d.get(key("big"))), "the key works again");
        d.remove(key("big"));
        assertFalse(d.contains(key("big")));
        assertNull(d.get(key("big")), "a removed key is a plain miss");
        assertEquals(1, d.corruptFiles());
    }

    /** A codec of byte arrays that refuses any array starting with 0x7f. */
    static final Codec<byte[]> PICKY = new Codec<>() {
        public long bytes(byte[] v) {
            return v.length;
        }

        public byte[] write(byte[] v) {
            return v.clone();
        }

        public byte[] read(ByteBuffer b) {
            byte[] v = CachesTest.bytes(b);
            if (v.length > 0 && v[0] == 0x7f) throw new IllegalArgumentException("not a picky value");
            return v;
        }
    };

    @Test
    void aDiskEntryThatDoesNotDecodeIsDeletedCountedAndReported() {
        DiskTier d = new DiskTier(tmp.resolve("t"), 1 << 20);
        java.util.List<String> warnings = new java.util.ArrayList<>();
        TieredCache<byte[]> c = new TieredCache<>(1 << 20, d, PICKY).warnings(warnings::add);
        byte[] bad = payload(200, 5);
        bad[0] = 0x7f;
        d.put(key("bad"), bad); // a sound file (its checksum holds) that the codec cannot read
        c.put(key("good"), payload(200, 6));
        c.clearMemory();

        assertNull(c.get(key("bad")));
        assertFalse(d.contains(key("bad")), "the undecodable entry is deleted");
        assertEquals(1, c.corruptEntries());
        assertEquals(0, d.corruptFiles(), "the file itself was sound");
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.getFirst().contains(key("bad")) && warnings.getFirst().contains("not a picky value"), warnings.getFirst());

        assertArrayEquals(payload(200, 6), c.get(key("good")));
        assertNull(c.get(key("bad")), "now a plain miss");
        assertEquals(1, c.corruptEntries());
        assertEquals(1, warnings.size());
        assertEquals(1, c.diskHits());
        assertEquals(2, c.misses());
    }

    @Test
    void tieredCacheReadsTheDiskAfterTheMemoryIsCleared() {
        Codec<byte[]> codec = new Codec<>() {
            public long bytes(byte[] v) {
                return v.length;
            }

            public byte[] write(byte[] v) {
                return v.clone();
            }

            public byte[] read(ByteBuffer b) {
                return bytes(b);
            }

            private byte[] bytes(ByteBuffer b) {
                return CachesTest.bytes(b);
            }
        };
        TieredCache<byte[]> c = new TieredCache<>(1 << 20, new DiskTier(tmp.resolve("t"), 1 << 20), codec);
        c.put(key("x"), payload(300, 9));
        c.clearMemory();
        assertArrayEquals(payload(300, 9), c.get(key("x")));
        assertEquals(1, c.diskHits());
        assertNull(c.get(key("y")));
        assertEquals(1, c.misses());
        TieredCache<byte[]> off = TieredCache.disabled(codec);
        off.put(key("x"), payload(3, 1));
        assertNull(off.get(key("x")));
    }
}
