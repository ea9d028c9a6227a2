package dev.dycoke4j.cli;

import dev.dycoke4j.testing.Oracle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad input: one line naming the file and the problem, a non-zero exit, no stack trace unless --verbose. */
class CliErrorsTest {
    static final Path ORACLE = Oracle.root();
    static final String MODEL = ORACLE.resolve("tiny-llava-ov").toString();
    static final String CLIP = ORACLE.resolve("golden/clip.mkv").toString();

    @TempDir
    Path tmp;

    @Test
    void framesZeroIsAUsageError() {
        Cli r = Cli.run("run", "--model", MODEL, "--video", CLIP, "--prompt", "hi", "--frames", "0");
        assertEquals(2, r.code());
        assertEquals("dycoke: --frames must be at least 1, got 0", r.problem());
    }

    @Test
    void unknownOptionIsAUsageError() {
        Cli r = Cli.run("run", "--model", MODEL, "--video", CLIP, "--prompt", "hi", "--fames", "8");
        assertEquals(2, r.code());
        assertTrue(r.problem().startsWith("dycoke: Unknown options: '--fames'"), r.problem());
    }

    @Test
    void nonNumericFrames() {
        Cli r = Cli.run("run", "--model", MODEL, "--video", CLIP, "--prompt", "hi", "--frames", "many");
        assertEquals(2, r.code());
        assertTrue(r.problem().contains("'many' is not an int"), r.problem());
    }

    @Test
    void missingModelDirectory() {
        Path dir = tmp.resolve("nomodel");
        Cli r = Cli.run("run", "--model", dir.toString(), "--video", CLIP, "--prompt", "hi");
        assertEquals(1, r.code());
        assertEquals("dycoke: " + dir + ": model directory not found", r.problem());
    }

    @Test
    void missingVideo() {
        Path v = tmp.resolve("none.mp4");
        Cli r = Cli.run("run", "--model", MODEL, "--video", v.toString(), "--prompt", "hi");
        assertEquals(2, r.code());
        assertEquals("dycoke: " + v + ": video not found", r.problem());
    }

    @Test
    void corruptVideo() throws Exception {
        Path v = tmp.resolve("junk.mp4");
        byte[] junk = new byte[4096];
        new java.util.Random(1).nextBytes(junk);
        Files.write(v, junk);
        Cli r = Cli.run("run", "--model", MODEL, "--video", v.toString(), "--prompt", "hi", "--frames", "8");
        assertEquals(1, r.code());
        assertTrue(r.problem().startsWith("dycoke: " + v + ": "), r.problem());
    }

    @Test
    void configWithUnsupportedArchitecture() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("llama"));
        Files.copy(ORACLE.resolve("tiny-llava-ov/tokenizer.json"), dir.resolve("tokenizer.json"));
        Files.writeString(dir.resolve("config.json"), "{\"model_type\":\"llama\",\"architectures\":[\"LlamaForCausalLM\"]}");
        Cli r = Cli.run("run", "--model", dir.toString(), "--video", CLIP, "--prompt", "hi");
        assertEquals(1, r.code());
        assertTrue(r.problem().startsWith("dycoke: " + dir.resolve("config.json") + ": unsupported architecture 'LlamaForCausalLM'"), r.problem());
    }

    @Test
    void truncatedWeights() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("trunc"));
        for (String f : new String[]{"config.json", "tokenizer.json", "preprocessor_config.json"})
            Files.copy(ORACLE.resolve("tiny-llava-ov").resolve(f), dir.resolve(f));
        byte[] all = Files.readAllBytes(ORACLE.resolve("tiny-llava-ov/model.safetensors"));
        Files.write(dir.resolve("model.safetensors"), java.util.Arrays.copyOf(all, all.length / 2));
        Cli r = Cli.run("run", "--model", dir.toString(), "--video", CLIP, "--prompt", "hi");
        assertEquals(1, r.code());
        assertTrue(r.problem().startsWith("dycoke: " + dir.resolve("model.safetensors") + ": tensor '"), r.problem());
        assertTrue(r.problem().contains("outside the data"), r.problem());
    }

    @Test
    void promptLongerThanTheContext() {
        Cli r = Cli.run("run", "--model", MODEL, "--video", CLIP, "--prompt", "word ".repeat(3000), "--frames", "8");
        assertEquals(1, r.code());
        assertTrue(r.problem().matches("dycoke: the prompt has \\d+ tokens \\(129 of them video\\), more than the model's context of 4096; use fewer frames"), r.problem());
    }

    @Test
    void verboseShowsTheStackTrace() {
        Path dir = tmp.resolve("nomodel");
        Cli r = Cli.run("run", "--model", dir.toString(), "--video", CLIP, "--prompt", "hi", "--verbose");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("\tat "), r.err());
    }

    @Test
    void traceNeedsASource() {
        Cli r = Cli.run("trace", "--model", MODEL, "--prompt", "hi", "--out", tmp.resolve("t.safetensors").toString());
        assertEquals(2, r.code());
        assertTrue(r.problem().contains("--video") && r.problem().contains("--pixel-values"), r.problem());
    }

    @Test
    void tracePixelValuesOfTheWrongShape() {
        Path px = tmp.resolve("px.safetensors");
        new dev.dycoke4j.io.SafetensorsWriter().add("pixel_values", dev.dycoke4j.tensor.DType.F32, new float[3 * 8 * 8], 1, 3, 8, 8).write(px);
        Cli r = Cli.run("trace", "--model", MODEL, "--pixel-values", px.toString(), "--prompt", "hi", "--out", tmp.resolve("t.safetensors").toString());
        assertEquals(2, r.code());
        assertEquals("dycoke: " + px + ": tensor pixel_values has shape [1, 3, 8, 8]; expected [1, F, 3, 56, 56]", r.problem());
    }

    @Test
    void tokenizeWithoutTokenizerJson() {
        Cli r = Cli.run("tokenize", "--model", tmp.toString(), "--text", "hi");
        assertEquals(1, r.code());
        assertTrue(r.problem().contains(tmp.resolve("tokenizer.json") + ": file not found"), r.problem());
    }

    @Test
    void tokenizeFileWithABadLine() throws Exception {
        Path f = tmp.resolve("bad.jsonl");
        Files.writeString(f, "\"ok\"\nnot json\n");
        Cli r = Cli.run("tokenize", "--model", MODEL, "--file", f.toString());
        assertEquals(2, r.code());
        assertEquals("dycoke: " + f + ":2: not a JSON string", r.problem());
    }

    @Test
    void noSubcommand() {
        Cli r = Cli.run();
        assertEquals(2, r.code());
        assertTrue(r.problem().contains("a subcommand is needed"), r.problem());
    }

    @Test
    void visionBatchZeroIsAUsageError() {
        Cli r = Cli.run("run", "--model", MODEL, "--video", CLIP, "--prompt", "hi", "--vision-batch", "0");
        assertEquals(2, r.code());
        assertEquals("dycoke: --vision-batch must be at least 1, got 0", r.problem());
    }

    @Test
    void threadsZero() {
        Cli r = Cli.run("run", "--model", MODEL, "--video", CLIP, "--prompt", "hi", "--threads", "0");
        assertEquals(2, r.code());
        assertEquals("dycoke: --threads must be at least 1, got 0", r.problem());
    }
}
