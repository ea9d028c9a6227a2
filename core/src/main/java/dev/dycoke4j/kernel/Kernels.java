package dev.dycoke4j.kernel;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Memory layouts shared by the kernels. */
final class Kernels {
    static final ValueLayout.OfFloat F32LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfShort I16LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Kernels() {
    }
}
