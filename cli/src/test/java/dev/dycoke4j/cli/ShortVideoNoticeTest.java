package dev.dycoke4j.cli;

import dev.dycoke4j.testing.Oracle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every command that samples a video says once, through {@link ShortVideoNotice}, when the video has fewer frames than
 * asked for; nothing else (the video library) says it again on {@link System#err}.
 */
class ShortVideoNoticeTest {
    static final Path MODEL = Oracle.root().resolve("tiny-llava-ov");
    static final Path CLIP = Oracle.root().resolve("golden/clip.mkv");

    @TempDir
    Path tmp;

    /** How often any "has only N frames" notice appears in the command's error output and on System.err. */
    static long notices(Cli r, String systemErr) {
        return (r.err() + systemErr).lines().filter(l -> l.contains(" has only ")).count();
    }

    static void saysOnce(SystemErr<Cli> run, int requested) {
        Cli r = run.value();
        assertEquals(0, r.code(), r.err());
        assertEquals(1, notices(r, run.printed()), r.err() + run.printed());
        assertTrue(r.err().contains(ShortVideoNotice.line(CLIP, 8, requested) + "\n"), r.err());
    }

    @Test
    void runChatTraceAndFidelitySayItOnce() {
        saysOnce(SystemErr.capture(() -> Cli.run("run", "--model", MODEL.toString(), "--video", CLIP.toString(),
                "--prompt", "What happens?", "--prompt", "And then?", "--frames", "12", "--max-new-tokens", "2")), 12);
        saysOnce(SystemErr.capture(() -> chat("What happens?\nAnd then?\n", "--frames", "12")), 12);
        saysOnce(SystemErr.capture(() -> Cli.run("trace", "--model", MODEL.toString(), "--video", CLIP.toString(),
                "--prompt", "What happens?", "--frames", "12", "--max-new-tokens", "2", "--out", tmp.resolve("t.safetensors").toString())), 12);
        saysOnce(SystemErr.capture(() -> Cli.run("fidelity", "--model", MODEL.toString(), "--video", CLIP.toString(),
                "--frames", "12", "--steps", "2", "--methods", "none,uniform", "--ratios", "0.5")), 12);
    }

    @Test
    void benchSaysItOnceThoughItReadsTheClipEveryRun() {
        saysOnce(SystemErr.capture(() -> Cli.run("bench", "--model", MODEL.toString(), "--video", CLIP.toString(),
                "--out", tmp.resolve("out").toString(), "--frames", "12", "--repeat", "2", "--max-new-tokens", "2",
                "--methods", "none,uniform")), 12);
    }

    @Test
    void aVideoLongEnoughSaysNothing() {
        var run = SystemErr.capture(() -> Cli.run("run", "--model", MODEL.toString(), "--video", CLIP.toString(),
                "--prompt", "What happens?", "--frames", "8", "--max-new-tokens", "2"));
        assertEquals(0, run.value().code(), run.value().err());
        assertEquals(0, notices(run.value(), run.printed()), run.value().err() + run.printed());
    }

    @Test
    void theNoticeIsOneLinePerFrameCount() {
        StringWriter err = new StringWriter();
        var source = ShortVideoNotice.source(CLIP, new PrintWriter(err, true));
        for (int n : new int[]{12, 8, 12, 16, 12}) source.read(n);
        assertEquals(List.of(ShortVideoNotice.line(CLIP, 8, 12), ShortVideoNotice.line(CLIP, 8, 16)), err.toString().lines().toList());
        assertEquals("dycoke: x.mp4 has only 1 frame; using each once instead of 4", ShortVideoNotice.line(Path.of("x.mp4"), 1, 4));
    }

    static Cli chat(String stdin, String... extra) {
        List<String> a = new java.util.ArrayList<>(List.of("chat", "--model", MODEL.toString(), "--video", CLIP.toString(), "--max-new-tokens", "2"));
        a.addAll(List.of(extra));
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.execute(a.toArray(String[]::new), new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                new PrintWriter(out, true), new PrintWriter(err, true));
        return new Cli(code, out.toString(), err.toString());
    }
}
