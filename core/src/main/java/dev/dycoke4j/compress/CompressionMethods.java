package dev.dycoke4j.compress;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The compression methods the engine runs, in the order front ends list them. Adding a method is a class that
 * implements {@link CompressionMethod} with a {@link MethodSpec}, and one line here: {@code --compress NAME},
 * {@code bench --methods} and {@code fidelity --methods} pick it up from this list.
 */
public final class CompressionMethods {
    private static final List<MethodSpec> ALL = List.of(
            NoneMethod.SPEC,
            DyCokeMethod.SPEC,
            FastVMethod.SPEC,
            PruMergeMethod.SPEC,
            VisionZipMethod.SPEC,
            RandomMethod.SPEC,
            UniformMethod.SPEC,
            FramesMethod.SPEC,
            VidCom2Method.SPEC,
            EvsMethod.SPEC,
            FastVidMethod.SPEC);

    private CompressionMethods() {
    }

    /** Every method, in order. */
    public static List<MethodSpec> all() {
        return ALL;
    }

    /** The methods' names, in order. */
    public static List<String> names() {
        return ALL.stream().map(MethodSpec::name).toList();
    }

    public static Optional<MethodSpec> find(String name) {
        return ALL.stream().filter(s -> s.name().equals(name)).findFirst();
    }

    /**
     * The method called {@code name}.
     *
     * @throws InvalidOptionException (key {@code method}) when there is none
     */
    public static MethodSpec spec(String name) {
        return find(name).orElseThrow(() -> new InvalidOptionException("method", "takes " + String.join(", ", names()) + "; got '" + name + "'"));
    }

    /** The method called {@code name} with {@code options} (absent keys take the paper's defaults). */
    public static CompressionMethod parse(String name, Map<String, String> options) {
        return spec(name).parse(options);
    }

    /** No compression. */
    public static CompressionMethod none() {
        return new NoneMethod();
    }
}
