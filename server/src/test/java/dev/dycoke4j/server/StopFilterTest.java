package dev.dycoke4j.server;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Stop strings: the text is cut before the first one, even when it arrives split across pieces, and nothing past it is sent. */
class StopFilterTest {
    @Test
    void withoutStopStringsEveryPiecePassesAtOnce() {
        StopFilter f = new StopFilter(List.of());
        assertEquals("Hel", f.push("Hel"));
        assertEquals("lo", f.push("lo"));
        assertEquals("", f.flush());
        assertFalse(f.stopped());
    }

    @Test
    void aStopStringSplitAcrossPiecesIsHeldBackThenCut() {
        StopFilter f = new StopFilter(List.of("END"));
        assertEquals("a b ", f.push("a b E"));
        assertEquals("", f.push("N"));
        assertEquals("", f.push("D more"));
        assertTrue(f.stopped());
        assertEquals("", f.push("later"));
        assertEquals("a b ", f.text());
    }

    @Test
    void heldTextThatIsNotAStopStringIsSentLater() {
        StopFilter f = new StopFilter(List.of("END", "\n\n"));
        assertEquals("x", f.push("xE"));
        assertEquals("Ex", f.push("x\n")); // a line break may start "\n\n"
        assertEquals("\n", f.flush());
        assertEquals("xEx\n", f.text());
    }

    @Test
    void theEarliestOfSeveralStopStringsWins() {
        StopFilter f = new StopFilter(List.of("cd", "b"));
        assertEquals("a", f.push("abcd"));
        assertEquals("a", f.text());
    }
}
