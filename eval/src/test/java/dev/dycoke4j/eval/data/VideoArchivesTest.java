package dev.dycoke4j.eval.data;

import dev.dycoke4j.testing.Oracle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Extraction of the video zips into HF_HOME/cache_dir as lmms-eval does, refusing unsafe and corrupt archives. */
class VideoArchivesTest {
    @TempDir
    Path tmp;

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void everyZipOfTheSnapshotIsExtractedWithItsPaths() throws IOException {
        Path snap = tmp.resolve("snap"), target = tmp.resolve("hf/videomme");
        byte[] clip = Files.readAllBytes(Oracle.shared().resolve("oracle/golden/clip.mkv"));
        Map<String, byte[]> chunk1 = new LinkedHashMap<>();
        chunk1.put("data/", new byte[0]);
        chunk1.put("data/a.mkv", clip);
        DataDir.zip(snap.resolve("videos_chunked_01.zip"), chunk1);
        DataDir.zip(snap.resolve("sub/subtitle.zip"), Map.of("subtitle/a.srt", b("1\n00:00:00,000 --> 00:00:01,000\nhi\n")));
        VideoArchives.Extracted e = VideoArchives.extractAll(snap, target);
        assertEquals(new VideoArchives.Extracted(2, 0), e);
        assertArrayEquals(clip, Files.readAllBytes(target.resolve("data/a.mkv")));
        assertEquals("1\n00:00:00,000 --> 00:00:01,000\nhi\n", Files.readString(target.resolve("subtitle/a.srt")));
        try (Stream<Path> s = Files.walk(target)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().endsWith(".part")), "no temporary file is left");
        }
    }

    @Test
    void filesAlreadyThereAreLeftAsTheyAre() throws IOException {
        Path zip = tmp.resolve("v.zip"), target = tmp.resolve("out");
        DataDir.zip(zip, Map.of("videos/a.mp4", b("new"), "videos/b.mp4", b("bbb")));
        Files.createDirectories(target.resolve("videos"));
        Files.writeString(target.resolve("videos/a.mp4"), "kept");
        assertEquals(new VideoArchives.Extracted(1, 1), VideoArchives.extract(zip, target));
        assertEquals("kept", Files.readString(target.resolve("videos/a.mp4")));
        assertEquals(new VideoArchives.Extracted(0, 2), VideoArchives.extract(zip, target));
    }

    /** A tar of name -> bytes, gzipped or not. */
    private static byte[] tar(Map<String, byte[]> entries, boolean gzip) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream raw = gzip ? new GZIPOutputStream(bytes) : bytes; TarArchiveOutputStream t = new TarArchiveOutputStream(raw)) {
            for (var e : entries.entrySet()) {
                TarArchiveEntry te = new TarArchiveEntry(e.getKey());
                te.setSize(e.getValue().length);
                t.putArchiveEntry(te);
                t.write(e.getValue());
                t.closeArchiveEntry();
            }
        }
        return bytes.toByteArray();
    }

    @Test
    void splitTarPartsAreReadInOrderAsOneArchiveAsLongVideoBenchShipsThem() throws IOException {
        Path snap = tmp.resolve("snap"), target = tmp.resolve("hf/longvideobench");
        byte[] clip = Files.readAllBytes(Oracle.shared().resolve("oracle/golden/clip.mkv"));
        byte[] whole = tar(Map.of("videos/86CxyhFV9MI.mp4", clip), false);
        Files.createDirectories(snap);
        int cut = whole.length / 3;
        Files.write(snap.resolve("videos.tar.part.ab"), java.util.Arrays.copyOfRange(whole, cut, 2 * cut));
        Files.write(snap.resolve("videos.tar.part.aa"), java.util.Arrays.copyOfRange(whole, 0, cut));
        Files.write(snap.resolve("videos.tar.part.ac"), java.util.Arrays.copyOfRange(whole, 2 * cut, whole.length));
        Files.write(snap.resolve("subtitles.tar"), tar(Map.of("subtitles/86CxyhFV9MI_en.json", b("[]")), true));
        assertEquals(new VideoArchives.Extracted(2, 0), VideoArchives.extractAll(snap, target));
        assertArrayEquals(clip, Files.readAllBytes(target.resolve("videos/86CxyhFV9MI.mp4")));
        assertEquals("[]", Files.readString(target.resolve("subtitles/86CxyhFV9MI_en.json")));
        assertEquals(new VideoArchives.Extracted(0, 2), VideoArchives.extractAll(snap, target));
    }

    @Test
    void aTarEntryClimbingOutIsRefused() throws IOException {
        Path t = tmp.resolve("s/evil.tar");
        Files.createDirectories(t.getParent());
        Files.write(t, tar(Map.of("../../evil.json", b("x")), false));
        DataException e = assertThrows(DataException.class, () -> VideoArchives.extractAll(tmp.resolve("s"), tmp.resolve("hf/x")));
        assertEquals(t + ": unsafe entry '../../evil.json' (outside the folder it is extracted into); the archive is refused", e.getMessage());
        assertFalse(Files.exists(tmp.resolve("evil.json")));
    }

    @Test
    void aCorruptTarIsNamed() throws IOException {
        Path t = tmp.resolve("s/videos.tar.part.aa");
        Files.createDirectories(t.getParent());
        Files.write(t, java.util.Arrays.copyOf(tar(Map.of("videos/a.mp4", new byte[2000]), false), 700));
        DataException e = assertThrows(DataException.class, () -> VideoArchives.extractAll(tmp.resolve("s"), tmp.resolve("hf/x")));
        assertTrue(e.getMessage().startsWith(t + ": corrupt tar archive ("), e.getMessage());
    }

    @Test
    void anEntryClimbingOutOfTheTargetRefusesTheWholeArchive() throws IOException {
        Path zip = tmp.resolve("evil.zip"), target = tmp.resolve("hf/mvbench");
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("ok/first.mp4", b("fine"));
        entries.put("../../evil.mp4", b("pwned"));
        DataDir.zip(zip, entries);
        DataException e = assertThrows(DataException.class, () -> VideoArchives.extract(zip, target));
        assertEquals(zip + ": unsafe entry '../../evil.mp4' (outside the folder it is extracted into); the archive is refused", e.getMessage());
        assertFalse(Files.exists(tmp.resolve("evil.mp4")));
        assertFalse(Files.exists(target.resolve("ok/first.mp4")), "nothing of a refused archive is written");
    }

    @Test
    void anAbsoluteEntryIsRefused() throws IOException {
        Path zip = tmp.resolve("abs.zip");
        DataDir.zip(zip, Map.of(tmp.resolve("abs.mp4").toString(), b("x")));
        DataException e = assertThrows(DataException.class, () -> VideoArchives.extract(zip, tmp.resolve("out")));
        assertTrue(e.getMessage().startsWith(zip + ": unsafe entry '" + tmp.resolve("abs.mp4") + "'"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("abs.mp4")));
    }

    @Test
    void aCorruptZipIsNamed() throws IOException {
        Path zip = tmp.resolve("videos_chunked_02.zip");
        Files.writeString(zip, "PK this is not a zip");
        DataException e = assertThrows(DataException.class, () -> VideoArchives.extract(zip, tmp.resolve("out")));
        assertTrue(e.getMessage().startsWith(zip + ": corrupt zip archive ("), e.getMessage());
    }

    @Test
    void aTruncatedZipIsNamed() throws IOException {
        Path zip = tmp.resolve("t.zip");
        DataDir.zip(zip, Map.of("videos/a.mp4", new byte[4096]));
        byte[] all = Files.readAllBytes(zip);
        Files.write(zip, java.util.Arrays.copyOf(all, all.length / 2));
        DataException e = assertThrows(DataException.class, () -> VideoArchives.extract(zip, tmp.resolve("out")));
        assertTrue(e.getMessage().startsWith(zip + ": corrupt zip archive ("), e.getMessage());
    }
}
