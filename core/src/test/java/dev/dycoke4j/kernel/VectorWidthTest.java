package dev.dycoke4j.kernel;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The width the kernels run at: the one {@value VectorWidth#PROPERTY} asks for (so the 256- and 512-bit test runs
 * really test those layouts), else the CPU's preferred one; every kernel's lanes and panels follow it.
 */
class VectorWidthTest {
    @Test
    void kernelsRunAtTheWidthThePropertyAsksForElseThePreferredOne() {
        String asked = System.getProperty(VectorWidth.PROPERTY);
        int bits = asked == null ? FloatVector.SPECIES_PREFERRED.vectorBitSize() : Integer.parseInt(asked.strip());
        assertEquals(bits, VectorWidth.bits(), "vector width with " + VectorWidth.PROPERTY + "=" + asked);
        int lanes = bits / 32;
        assertEquals(lanes, VectorWidth.FLOAT.length());
        assertEquals(lanes, VectorWidth.INT.length());
        assertEquals(lanes, Gemm.L);
        assertEquals(lanes, GemmQ8.L);
        assertEquals(lanes, PackedGemm.L);
        assertEquals(lanes, Attention.L);
        assertEquals(lanes, Bf16Attention.L);
        assertEquals(lanes, KvCodec.F.length());
        assertEquals(2 * lanes, Bf16.RUN);
        assertEquals(2 * lanes, KeyPanels.KP);
        assertSame(VectorWidth.FLOAT, Gemm.F);
        assertSame(VectorWidth.FLOAT, PackedGemm.F);
        assertSame(VectorWidth.INT, GemmQ8.I);
        System.out.println("kernels at " + bits + " bits (" + lanes + " float lanes); this CPU prefers "
                + FloatVector.SPECIES_PREFERRED.vectorBitSize());
    }

    @Test
    void onlyTheTwoTestedWidthsAreAccepted() {
        assertEquals(256, VectorWidth.floatSpecies("256").vectorBitSize());
        assertEquals(512, VectorWidth.floatSpecies(" 512 ").vectorBitSize());
        assertSame(FloatVector.SPECIES_PREFERRED, VectorWidth.floatSpecies(null));
        assertSame(FloatVector.SPECIES_PREFERRED, VectorWidth.floatSpecies(""));
        for (String bad : new String[] {"128", "1024", "wide", "256bits"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> VectorWidth.floatSpecies(bad));
            assertTrue(e.getMessage().contains(VectorWidth.PROPERTY) && e.getMessage().contains("'" + bad + "'"), e.getMessage());
        }
    }
}
