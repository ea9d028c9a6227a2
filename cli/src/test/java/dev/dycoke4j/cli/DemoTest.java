package dev.dycoke4j.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code dycoke demo} on a fresh cache: it makes its model and clip, answers, and reuses them the second time. */
class DemoTest {
    @TempDir
    Path cache;

    @Test
    void demoRunsFromAnEmptyCacheAndThenReusesIt() {
        Cli r = Cli.run("demo", "--cache", cache.toString(), "--frames", "4", "--max-new-tokens", "6");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("Q: What happens in this video?\nA: "), r.out());
        assertTrue(r.err().contains("writing a random-weight model"), r.err());
        assertTrue(r.err().contains("the text is meaningless"), r.err());
        assertTrue(r.err().contains("none | frames 4 | visual tokens 64 -> 64 "), r.err());
        Path dir = cache.resolve("demo-" + DemoCommand.VERSION);
        assertTrue(Files.isRegularFile(dir.resolve("model/model.safetensors")));
        assertTrue(Files.isRegularFile(dir.resolve("clip.mp4")));

        Cli again = Cli.run("demo", "--cache", cache.toString(), "--frames", "4", "--max-new-tokens", "6");
        assertEquals(0, again.code(), again.err());
        assertTrue(!again.err().contains("writing a random-weight model"), again.err());
        assertEquals(r.out(), again.out(), "same seed, same answer");
    }
}
