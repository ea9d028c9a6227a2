package dev.dycoke4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * Added-token matching with the flags the Qwen files leave off, on the cases of HF's own tests
 * ({@code tokenizers/src/tokenizer/added_vocabulary.rs}).
 */
class AddedTokenMatcherTest {
    private static AddedToken token(int id, String content, boolean singleWord, boolean lstrip, boolean rstrip) {
        return new AddedToken(id, content, singleWord, lstrip, rstrip, false, false);
    }

    /** The pieces of {@code text}: gaps as their text, tokens as "#id". */
    private static List<String> run(AddedTokenMatcher m, String text) {
        List<String> pieces = new ArrayList<>();
        IntArrayBuilder ids = new IntArrayBuilder(4);
        int[] listed = {0};
        Runnable listIds = () -> {
            int[] all = ids.toArray();
            for (int k = listed[0]; k < all.length; k++) {
                pieces.add("#" + all[k]);
            }
            listed[0] = all.length;
        };
        m.split(text, ids, gap -> {
            listIds.run();
            pieces.add(gap);
        });
        listIds.run();
        return pieces;
    }

    @Test
    void leftmostLongest() {
        AddedTokenMatcher m = new AddedTokenMatcher(List.of(
                token(1, "<|im", false, false, false), token(2, "<|im_end|>", false, false, false),
                token(3, "end", false, false, false)));
        assertEquals(List.of("a", "#2", "#1", "_x ", "#3"), run(m, "a<|im_end|><|im_x end"));
        assertEquals(List.of(), run(m, ""));
        assertEquals(List.of("<|i"), run(m, "<|i"));
    }

    @Test
    void optionsUseCases() {
        AddedTokenMatcher m = new AddedTokenMatcher(List.of(
                token(0, "my", false, true, true), token(1, "name", false, false, false),
                token(2, "ony", true, false, false), token(3, "[CLS]", false, false, false),
                token(4, "[SEP]", false, false, false)));
        assertEquals(List.of("#3", "#0", "#1", " is anthony ", "#4"), run(m, "[CLS] my name is anthony [SEP]"));
    }

    @Test
    void singleWord() {
        AddedTokenMatcher m = new AddedTokenMatcher(List.of(token(0, "<mask>", true, false, false)));
        assertEquals(List.of("#0", " my name ", "#0", " a<mask> <mask>ony ", "#0"),
                run(m, "<mask> my name <mask> a<mask> <mask>ony <mask>"));
        // punctuation is no word character, a combining mark is
        assertEquals(List.of("#0", ", ", "#0", "- \u25CC\u0330<mask>"), run(m, "<mask>, <mask>- \u25CC\u0330<mask>"));
    }

    @Test
    void stripUnicodeSpace() {
        AddedTokenMatcher m = new AddedTokenMatcher(List.of(token(0, "<mask>", true, true, true)));
        assertEquals(List.of("hi", "#0", "there", "#0", "#0"), run(m, "hi <mask> there\t<mask>\t<mask>\u2000"));
    }
}
