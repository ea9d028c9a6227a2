package dev.dycoke4j.vision;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dycoke4j.io.ModelFormatException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The fields of a Hugging Face {@code preprocessor_config.json} (or {@code video_preprocessor_config.json}) that the
 * video path uses.
 *
 * <p>Missing fields, or a missing file, take the values of the LLaVA-OneVision checkpoints: 384x384, bicubic,
 * rescale by 1/255, mean and std 0.5 (SigLIP). Note that HF's {@code LlavaOnevisionImageProcessor} class defaults
 * to the OpenAI CLIP mean/std, but every published LLaVA-OneVision checkpoint sets 0.5 in its config.
 *
 * @param height       target height, or 0 when {@code shortestEdge} is used
 * @param width        target width, or 0 when {@code shortestEdge} is used
 * @param shortestEdge the target of the shortest edge (aspect ratio kept), or 0 when {@code height/width} are used
 * @param resample     PIL resampling filter; only 3 (bicubic) is supported
 * @param doResize     whether to resize
 * @param doRescale    whether to multiply by {@code rescaleFactor}
 * @param rescaleFactor the rescale factor, 1/255 by default
 * @param doNormalize  whether to subtract {@code mean} and divide by {@code std}
 * @param mean         per-channel mean (3 values)
 * @param std          per-channel std (3 values)
 * @param doConvertRgb whether to convert to RGB (decoded frames are always RGB already)
 */
public record PreprocessorConfig(int height, int width, int shortestEdge, int resample, boolean doResize,
                                 boolean doRescale, double rescaleFactor, boolean doNormalize, double[] mean,
                                 double[] std, boolean doConvertRgb) {
    /** PIL's {@code Image.BICUBIC}. */
    public static final int BICUBIC = 3;
    public static final int DEFAULT_IMAGE_SIZE = 384;
    public static final double DEFAULT_RESCALE = 1.0 / 255.0;

    public PreprocessorConfig {
        if (shortestEdge == 0 && (height <= 0 || width <= 0) || shortestEdge < 0)
            throw new IllegalArgumentException("preprocessor size " + height + "x" + width + ", shortest edge " + shortestEdge);
        if (resample != BICUBIC)
            throw new IllegalArgumentException("resample " + resample + " is not supported (only 3, bicubic)");
        if (mean.length != 3 || std.length != 3)
            throw new IllegalArgumentException("image_mean and image_std need 3 values");
        for (double s : std) if (!(s != 0.0) || !Double.isFinite(s)) throw new IllegalArgumentException("image_std " + Arrays.toString(std));
        if (!Double.isFinite(rescaleFactor)) throw new IllegalArgumentException("rescale_factor " + rescaleFactor);
        mean = mean.clone();
        std = std.clone();
    }

    /** The LLaVA-OneVision defaults with a square {@code imageSize}. */
    public static PreprocessorConfig defaults(int imageSize) {
        return new PreprocessorConfig(imageSize, imageSize, 0, BICUBIC, true, true, DEFAULT_RESCALE, true,
                new double[]{0.5, 0.5, 0.5}, new double[]{0.5, 0.5, 0.5}, true);
    }

    /**
     * Reads a {@code preprocessor_config.json}. A missing file gives {@link #defaults(int) defaults(384)}.
     *
     * @throws ModelFormatException when the file cannot be read or parsed, or holds unusable values
     */
    public static PreprocessorConfig load(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            return defaults(DEFAULT_IMAGE_SIZE);
        } catch (IOException e) {
            throw new ModelFormatException(file + ": cannot read the preprocessor config (" + e.getMessage() + ")", e);
        }
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(text);
        } catch (JacksonException e) {
            throw new ModelFormatException(file + ": not valid JSON (" + oneLine(e.getOriginalMessage()) + ")", e);
        }
        if (root == null || !root.isObject()) throw new ModelFormatException(file + ": the preprocessor config is not a JSON object");
        try {
            return fromJson(root);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(file + ": " + oneLine(e.getMessage()), e);
        }
    }

    private static PreprocessorConfig fromJson(JsonNode root) {
        PreprocessorConfig d = defaults(DEFAULT_IMAGE_SIZE);
        int height = d.height, width = d.width, shortest = 0;
        JsonNode size = root.get("size");
        if (size != null && !size.isNull()) {
            if (size.isInt()) { // old configs: a plain int means a square
                height = width = size.intValue();
            } else if (size.isObject()) {
                if (size.has("height") || size.has("width")) {
                    height = intField(size, "height");
                    width = intField(size, "width");
                } else if (size.has("shortest_edge")) {
                    shortest = intField(size, "shortest_edge");
                    height = width = 0;
                } else {
                    throw new IllegalArgumentException("size needs height and width, or shortest_edge: " + size);
                }
            } else {
                throw new IllegalArgumentException("size is neither an object nor an int: " + size);
            }
        }
        int resample = root.has("resample") ? intField(root, "resample") : d.resample;
        return new PreprocessorConfig(height, width, shortest, resample,
                bool(root, "do_resize", d.doResize), bool(root, "do_rescale", d.doRescale),
                number(root, "rescale_factor", d.rescaleFactor), bool(root, "do_normalize", d.doNormalize),
                triple(root, "image_mean", d.mean), triple(root, "image_std", d.std),
                bool(root, "do_convert_rgb", d.doConvertRgb));
    }

    private static int intField(JsonNode node, String name) {
        JsonNode v = node.get(name);
        if (v == null || !v.isIntegralNumber() || !v.canConvertToInt())
            throw new IllegalArgumentException(name + " must be an integer, got " + v);
        return v.intValue();
    }

    private static boolean bool(JsonNode root, String name, boolean dflt) {
        JsonNode v = root.get(name);
        if (v == null || v.isNull()) return dflt;
        if (!v.isBoolean()) throw new IllegalArgumentException(name + " must be true or false, got " + v);
        return v.booleanValue();
    }

    private static double number(JsonNode root, String name, double dflt) {
        JsonNode v = root.get(name);
        if (v == null || v.isNull()) return dflt;
        if (!v.isNumber()) throw new IllegalArgumentException(name + " must be a number, got " + v);
        return v.doubleValue();
    }

    private static double[] triple(JsonNode root, String name, double[] dflt) {
        JsonNode v = root.get(name);
        if (v == null || v.isNull()) return dflt;
        if (v.isNumber()) return new double[]{v.doubleValue(), v.doubleValue(), v.doubleValue()};
        if (!v.isArray() || v.size() != 3) throw new IllegalArgumentException(name + " must be 3 numbers, got " + v);
        double[] out = new double[3];
        for (int i = 0; i < 3; i++) {
            if (!v.get(i).isNumber()) throw new IllegalArgumentException(name + " must be 3 numbers, got " + v);
            out[i] = v.get(i).doubleValue();
        }
        return out;
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s+", " ").trim();
    }

    /** Output size {width, height} for a frame of {@code srcW x srcH}, as HF's resize computes it. */
    public int[] outputSize(int srcW, int srcH) {
        if (!doResize) return new int[]{srcW, srcH};
        if (shortestEdge == 0) return new int[]{width, height};
        // transformers' get_resize_output_image_size with default_to_square=False: the short side becomes
        // shortest_edge and the long side int(shortest_edge * long / short).
        boolean wide = srcW >= srcH;
        int shortSide = wide ? srcH : srcW, longSide = wide ? srcW : srcH;
        int newLong = (int) ((double) shortestEdge * longSide / shortSide);
        return wide ? new int[]{newLong, shortestEdge} : new int[]{shortestEdge, newLong};
    }

    @Override
    public double[] mean() {
        return mean.clone();
    }

    @Override
    public double[] std() {
        return std.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PreprocessorConfig c && height == c.height && width == c.width && shortestEdge == c.shortestEdge
                && resample == c.resample && doResize == c.doResize && doRescale == c.doRescale
                && Double.compare(rescaleFactor, c.rescaleFactor) == 0 && doNormalize == c.doNormalize
                && Arrays.equals(mean, c.mean) && Arrays.equals(std, c.std) && doConvertRgb == c.doConvertRgb;
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(height, width, shortestEdge, resample, doResize, doRescale, rescaleFactor,
                doNormalize, Arrays.hashCode(mean), Arrays.hashCode(std), doConvertRgb);
    }

    @Override
    public String toString() {
        String size = shortestEdge > 0 ? "shortest_edge=" + shortestEdge : height + "x" + width;
        return "PreprocessorConfig[" + size + ", resample=" + resample + ", resize=" + doResize + ", rescale="
                + (doRescale ? rescaleFactor : "off") + ", mean=" + (doNormalize ? Arrays.toString(mean) : "off")
                + ", std=" + Arrays.toString(std) + "]";
    }
}
