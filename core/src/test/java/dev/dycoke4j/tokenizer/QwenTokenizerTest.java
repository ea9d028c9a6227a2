package dev.dycoke4j.tokenizer;

import dev.dycoke4j.testing.Oracle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.Random;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The real Qwen vocabulary against HF tokenizers (through DJL). */
class QwenTokenizerTest {
    private static Tokenizer tok;
    private static HfOracle hf;

    @BeforeAll
    static void load() throws Exception {
        java.lang.management.ThreadMXBean thread = java.lang.management.ManagementFactory.getThreadMXBean();
        long cpu0 = thread.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        tok = Tokenizer.load(Oracle.qwenTokenizer());
        System.out.printf("[tokenizer] loaded the Qwen tokenizer.json in %d ms (%d ms of this thread's CPU), cold%n",
                (System.nanoTime() - t0) / 1_000_000, (thread.getCurrentThreadCpuTime() - cpu0) / 1_000_000);
        hf = HfOracle.load(Oracle.qwenTokenizer());
    }

    @AfterAll
    static void close() {
        hf.close();
    }

    @Test
    void vocabularyAndAddedTokens() {
        assertEquals(151669, tok.vocabSize());
        assertEquals(OptionalInt.of(151643), tok.tokenId("<|endoftext|>"));
        assertEquals(OptionalInt.of(151644), tok.tokenId("<|im_start|>"));
        assertEquals(OptionalInt.of(151645), tok.tokenId("<|im_end|>"));
        assertEquals(OptionalInt.of(151668), tok.tokenId("</think>"));
        assertEquals(OptionalInt.of(0), tok.tokenId("!"));
        assertEquals(OptionalInt.of(220), tok.tokenId("Ġ"));
        assertEquals(OptionalInt.empty(), tok.tokenId("<video>"));
        assertEquals(OptionalInt.empty(), tok.tokenId("no such token"));
        assertArrayEquals(new int[] {151644, 872, 198, 9707, 151645}, tok.encode("<|im_start|>user\nHello<|im_end|>"));
        assertArrayEquals(new int[0], tok.encode(""));
        assertEquals("<|im_start|>user\nHello<|im_end|>", tok.decode(new int[] {151644, 872, 198, 9707, 151645}));
    }

    @Test
    void idsEqualHfOnFixedAndRandomStrings() {
        List<String> texts = new ArrayList<>(TestStrings.FIXED);
        texts.addAll(TestStrings.random(20240531L, 1500));
        long t0 = System.nanoTime();
        long tokens = OracleComparison.assertSameIds(tok, hf, texts);
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("[tokenizer] Qwen: %d strings, %d tokens identical to HF (%.2f s incl. HF and decode)%n",
                texts.size(), tokens, seconds);
        assertTrue(texts.size() >= 1000);
    }

    @Test
    void longInputsEqualHf() {
        List<String> texts = List.of(mixedText(new Random(7), 100_000), "x".repeat(50_000), " ".repeat(30_000) + "a",
                "\n".repeat(20_000), "1".repeat(20_000), "🙂".repeat(5_000), "é".repeat(20_000) + "e\u0301");
        assertEquals(7, texts.size());
        OracleComparison.assertSameIds(tok, hf, texts);
    }

    @Test
    void encodeSpeed() {
        String text = mixedText(new Random(11), 400_000);
        int warmup = tok.encode(text).length; // the JIT, not the word cache: measured on a fresh tokenizer below
        Tokenizer fresh = Tokenizer.load(Oracle.qwenTokenizer());
        long t0 = System.nanoTime();
        int tokens = fresh.encode(text).length;
        double first = (System.nanoTime() - t0) / 1e9;
        t0 = System.nanoTime();
        int again = fresh.encode(text).length;
        double cached = (System.nanoTime() - t0) / 1e9;
        System.out.printf("[tokenizer] encode %d chars -> %d tokens: %.0f tokens/s with an empty word cache, "
                + "%.0f tokens/s cached%n", text.length(), tokens, tokens / first, again / cached);
        assertEquals(warmup, tokens);
        assertEquals(tokens, again);
    }

    private static String mixedText(Random r, int length) {
        StringBuilder s = new StringBuilder(length + 10_000);
        while (s.length() < length) {
            s.append(TestStrings.random(r.nextLong(), 1).getFirst()).append(TestStrings.whitespace(r));
        }
        return s.toString();
    }

    @Test
    void decodeEqualsHfOnRandomIdsIncludingBrokenUtf8() {
        Random r = new Random(99);
        List<String> failures = new ArrayList<>();
        for (int n = 0; n < 400; n++) {
            int[] ids = new int[1 + r.nextInt(12)];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = switch (r.nextInt(10)) {
                    case 0 -> 151643 + r.nextInt(26); // added tokens
                    case 1 -> r.nextInt(256); // single bytes, often half a character
                    case 2 -> 151669 + r.nextInt(300); // past the tokenizer, inside the model's padded vocabulary
                    default -> r.nextInt(151643);
                };
            }
            String ours = tok.decode(ids);
            if (!ours.equals(hf.decode(ids))) {
                failures.add(java.util.Arrays.toString(ids) + ": " + OracleComparison.escape(ours) + " vs "
                        + OracleComparison.escape(hf.decode(ids)));
            }
            StreamDecoder stream = tok.streamDecoder();
            StringBuilder streamed = new StringBuilder();
            for (int id : ids) {
                streamed.append(stream.push(id));
            }
            streamed.append(stream.flush());
            if (!streamed.toString().equals(ours)) {
                failures.add("stream " + java.util.Arrays.toString(ids));
            }
        }
        assertEquals(List.of(), failures);
    }

    @Test
    void streamDecoderHoldsBackUnfinishedCharacters() {
        int[] ids = tok.encode("a🫠 b");
        assertTrue(ids.length >= 4, "the emoji spans several byte tokens: " + java.util.Arrays.toString(ids));
        StreamDecoder stream = tok.streamDecoder();
        List<String> pieces = new ArrayList<>();
        for (int id : ids) {
            pieces.add(stream.push(id));
        }
        List<String> expected = new ArrayList<>(List.of("a"));
        expected.addAll(java.util.Collections.nCopies(ids.length - 3, ""));
        expected.addAll(List.of("🫠", " b"));
        assertEquals(expected, pieces);
        assertEquals("", stream.flush());

        StreamDecoder cut = tok.streamDecoder();
        assertEquals("a", cut.push(ids[0]));
        assertEquals("", cut.push(ids[1]));
        assertEquals("\uFFFD", cut.flush());
        assertEquals(" b", cut.push(ids[ids.length - 1]));
    }

    @Test
    void chatTemplateNeedsAVideoToken() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> ChatTemplate.videoPromptIds(tok, "Why?", 4));
        assertTrue(e.getMessage().contains("<video>"), e.getMessage());
    }
}
