package dev.dycoke4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link GcTally}: the collections since its start, young and old apart. */
class GcTallyTest {
    @Test
    void aRequestedFullCollectionCountsAsAnOldOneSinceTheStart() {
        GcTally t = GcTally.start();
        System.gc(); // a full collection, whichever collector runs the tests (none disables explicit ones here)
        ObjectNode n = t.into(new ObjectMapper().createObjectNode());
        assertTrue(n.get("gc_old").asLong() >= 1, n.toString());
        assertTrue(n.get("gc_old_s").asDouble() >= 0 && n.get("gc_young_s").asDouble() >= 0, n.toString());
    }

    @Test
    void theCollectorTheTestsRunOnHasItsYoungCollectorRecognised() {
        var beans = ManagementFactory.getGarbageCollectorMXBeans();
        var young = beans.stream().filter(GcTally::young).map(b -> b.getName()).toList();
        assertEquals(1, young.size(), "one young collector among " + beans.stream().map(b -> b.getName()).toList());
    }
}
