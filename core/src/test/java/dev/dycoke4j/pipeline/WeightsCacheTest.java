package dev.dycoke4j.pipeline;

import dev.dycoke4j.io.Q8Cache;
import dev.dycoke4j.testing.Oracle;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The on-disk q8 weights cache ({@code --weights-cache}), on a copy of the tiny oracle checkpoint. */
class WeightsCacheTest {
    @TempDir
    Path tmp;
    Path model, fallback, cacheFile;
    final List<String> notes = new ArrayList<>();

    @BeforeEach
    void copyTheOracle() throws IOException {
        model = tmp.resolve("model");
        fallback = tmp.resolve("cache");
        Files.createDirectories(model);
        try (Stream<Path> s = Files.list(Oracle.model())) {
            for (Path p : s.toList()) Files.copy(p, model.resolve(p.getFileName()));
        }
        cacheFile = model.resolve(Q8Cache.LOCAL);
    }

    LoadOptions cached() {
        return LoadOptions.q8().withWeightsCache(fallback).withNotes(notes::add);
    }

    /** Text-only logits through every quantized matrix, and whether the weights came from the cache. */
    record Run(float[] logits, boolean fromCache) {
    }

    Run load(LoadOptions opts) {
        try (LlavaOneVision m = LlavaOneVision.load(model, opts)) {
            int[] ids = {502, 17, 99, 33, 10, 41, 42, 10};
            float[] logits = m.decoder().forward(m.decoder().embed(ids), ids.length, m.newCache(ids.length), ids.length);
            return new Run(logits, m.weightsFromCache());
        }
    }

    void assertOneNote(String contains) {
        assertEquals(1, notes.size(), notes.toString());
        assertTrue(notes.getFirst().contains(contains), notes.getFirst());
        assertFalse(notes.getFirst().contains("\n"), "one line: " + notes.getFirst());
        notes.clear();
    }

    @Test
    void writtenOnceThenReadBackWithTheSameResults() throws IOException {
        Run fresh = load(LoadOptions.q8());
        Run first = load(cached());
        assertFalse(first.fromCache());
        assertOneNote("wrote the q8 weights cache " + cacheFile);
        assertTrue(Files.isRegularFile(cacheFile));
        try (Stream<Path> s = Files.list(cacheFile.getParent())) {
            assertEquals(List.of(cacheFile), s.toList(), "no temporary file left behind");
        }
        Run second = load(cached());
        assertTrue(second.fromCache());
        assertTrue(notes.isEmpty(), notes.toString());
        assertArrayEquals(fresh.logits, first.logits);
        assertArrayEquals(fresh.logits, second.logits);
        // the cache sits in a sub-folder, so the checkpoint still opens as before, as stored
        assertEquals(LoadOptions.WeightFormat.AS_STORED, LlavaOneVision.load(model).weightFormat());
    }

    @Test
    void aChangedCheckpointIsNeverServedStaleQuants() throws IOException {
        load(cached());
        notes.clear();
        Path weights = model.resolve("model.safetensors");
        Files.setLastModifiedTime(weights, FileTime.fromMillis(Files.getLastModifiedTime(weights).toMillis() + 60_000));
        Run r = load(cached());
        assertFalse(r.fromCache());
        assertEquals(2, notes.size(), notes.toString());
        assertTrue(notes.get(0).contains("made from other weights"), notes.get(0));
        assertTrue(notes.get(1).contains("wrote"), notes.get(1));
        notes.clear();
        assertTrue(load(cached()).fromCache(), "rewritten for the new checkpoint");
    }

    @Test
    void aTruncatedCacheIsReportedIgnoredAndRewritten() throws IOException {
        Run fresh = load(cached());
        notes.clear();
        try (RandomAccessFile f = new RandomAccessFile(cacheFile.toFile(), "rw")) {
            f.setLength(f.length() / 2);
        }
        Run r = load(cached());
        assertFalse(r.fromCache());
        assertArrayEquals(fresh.logits, r.logits);
        assertEquals(2, notes.size(), notes.toString());
        assertTrue(notes.get(0).startsWith("dycoke: ignoring the q8 weights cache") && (notes.get(0).contains("truncated") || notes.get(0).contains("outside the data")), notes.get(0));
        assertFalse(notes.get(0).contains("\n"));
        notes.clear();
        assertTrue(load(cached()).fromCache());
    }

    @Test
    void aDamagedCacheIsReportedIgnoredAndRewritten() throws IOException {
        Run fresh = load(cached());
        notes.clear();
        try (RandomAccessFile f = new RandomAccessFile(cacheFile.toFile(), "rw")) {
            long at = f.length() - 1000;
            f.seek(at);
            int b = f.read();
            f.seek(at);
            f.write(b ^ 0x55);
        }
        Run r = load(cached());
        assertFalse(r.fromCache());
        assertArrayEquals(fresh.logits, r.logits);
        assertEquals(2, notes.size(), notes.toString());
        assertTrue(notes.get(0).contains("damaged (checksum mismatch)"), notes.get(0));
        notes.clear();
        assertTrue(load(cached()).fromCache());
    }

    @Test
    void garbageInPlaceOfTheCacheIsReplaced() throws IOException {
        Files.createDirectories(cacheFile.getParent());
        Files.writeString(cacheFile, "not a safetensors file");
        Run r = load(cached());
        assertFalse(r.fromCache());
        assertEquals(2, notes.size(), notes.toString());
        assertTrue(notes.get(0).contains("ignoring the q8 weights cache") && notes.get(0).contains(cacheFile.toString()), notes.get(0));
        notes.clear();
        assertTrue(load(cached()).fromCache());
    }

    @Test
    void aCacheThatCannotBeWrittenIsANoteNotAnError() throws IOException {
        Files.writeString(model.resolve(".dycoke"), "a file where the cache folder would go");
        Run r = load(cached());
        assertFalse(r.fromCache());
        assertOneNote("could not write the q8 weights cache");
    }

    @Test
    void aReadOnlyModelDirectoryCachesInTheFallbackFolder() {
        String key = "abc123";
        assertEquals(fallback.resolve("q8").resolve(key + ".safetensors"), Q8Cache.location(model, fallback, key, false));
        assertEquals(cacheFile, Q8Cache.location(model, fallback, key, true));
    }
}
