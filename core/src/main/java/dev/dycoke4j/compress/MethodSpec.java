package dev.dycoke4j.compress;

import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A compression method as the {@link CompressionMethods} registry lists it: its name ({@code --compress NAME}, the
 * stats' method id), the option keys it takes, and how it is built from them.
 *
 * @param name    lower case, unique in the registry
 * @param keys    the option keys it takes, in the order its {@link CompressionMethod#options()} gives them
 * @param options builds the method from options text (absent keys take the paper's defaults), throwing an
 *                {@link InvalidOptionException} for a key it doesn't take or a bad value
 */
public record MethodSpec(String name, List<String> keys, Function<Map<String, String>, CompressionMethod> options) {
    public MethodSpec {
        java.util.Objects.requireNonNull(name, "name");
        keys = List.copyOf(keys);
        java.util.Objects.requireNonNull(options, "options");
    }

    /** The method with these options. */
    public CompressionMethod parse(Map<String, String> options) {
        return this.options.apply(options);
    }

    /** The method with the paper's defaults. */
    public CompressionMethod defaults() {
        return parse(Map.of());
    }

    /** A reader of {@code options} that refuses the keys this method doesn't take. */
    public OptionReader reader(Map<String, String> options) {
        return new OptionReader(name, keys, options);
    }
}
