package dev.dycoke4j.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The one vector width every kernel uses: the CPU's preferred species, unless the system property
 * {@value #PROPERTY} asks for 256 or 512 bits. The override lets the tests check both layouts (AVX2 and AVX-512
 * panel sizes, lane counts, tails) on any machine; the Vector API runs a width the CPU lacks in software, slowly but
 * with the same results.
 */
public final class VectorWidth {
    /** The system property that overrides the width, in bits: 256 or 512. */
    public static final String PROPERTY = "dycoke.vector.bits";

    /** The float species every kernel derives its shapes from. */
    public static final VectorSpecies<Float> FLOAT = floatSpecies(System.getProperty(PROPERTY));
    /** The int species of the same shape (same lane count as {@link #FLOAT}). */
    public static final VectorSpecies<Integer> INT = IntVector.SPECIES_PREFERRED.withShape(FLOAT.vectorShape());

    private VectorWidth() {
    }

    /** The chosen width in bits. */
    public static int bits() {
        return FLOAT.vectorBitSize();
    }

    /** The float species for a value of {@value #PROPERTY}: null or blank means the CPU's preferred one. */
    static VectorSpecies<Float> floatSpecies(String bits) {
        if (bits == null || bits.isBlank()) return FloatVector.SPECIES_PREFERRED;
        return switch (bits.strip()) {
            case "256" -> FloatVector.SPECIES_256;
            case "512" -> FloatVector.SPECIES_512;
            default -> throw new IllegalArgumentException(
                    "system property " + PROPERTY + " must be 256 or 512 (bits), not '" + bits + "'");
        };
    }
}
