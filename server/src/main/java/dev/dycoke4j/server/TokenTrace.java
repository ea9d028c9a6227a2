package dev.dycoke4j.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dycoke4j.compress.CompressionMethod;
import dev.dycoke4j.compress.DecodePruning;
import dev.dycoke4j.compress.FastVid;
import dev.dycoke4j.compress.ForwardingMethod;
import dev.dycoke4j.compress.ModelCost;
import dev.dycoke4j.compress.PrefillPruning;
import dev.dycoke4j.compress.RequestShape;
import dev.dycoke4j.compress.VisualTokens;
import dev.dycoke4j.llm.KvCache;
import dev.dycoke4j.pipeline.CompressedVideo;

import java.util.ArrayList;
import java.util.List;

/**
 * What a request's method did to each visual token, for the answer's {@code dycoke.kept} block: the pooled tokens
 * kept before the LLM (their indices, {@code frame · tokensPerFrame + position}), every pooled token's fate per frame
 * ({@code k} kept, {@code m} merged into a kept token, {@code d} dropped), the rows FastV keeps above its layer, and,
 * when the request asked ({@code "dycoke": {"trace_kept": true}}), the visual tokens DyCoke's DP attended at each
 * decode step. It watches the method's hooks through a wrapper with the same name, options and cache key, so the
 * method runs exactly as it would unwatched. Filled on the engine thread; read once the answer is complete.
 */
final class TokenTrace {

    private final boolean steps;
    private String method;
    private boolean merges;
    private int frames, tokensPerFrame;
    /** The frames sampled from the video: {@code frames} for LLaVA-OneVision, twice as many for Qwen2.5-VL. */
    private int sampled;
    /** Tokens per row of a frame when the features say it (Qwen2.5-VL's grid is not square), else 0. */
    private int width;
    private int[] kept;
    private int prefillLayer = -1;
    private int[] prefillKept;
    private int dpLayer = -1;
    private final List<int[]> attended = new ArrayList<>();

    /** @param steps whether to record DP's attended sets at every decode step */
    TokenTrace(boolean steps) {
        this.steps = steps;
    }

    /**
     * Takes the request's {@code dycoke.trace_kept} flag out of a chat body (it is the page's, not an engine option),
     * checking it.
     */
    static boolean takeFlag(JsonNode body) {
        if (body == null || !(body.get("dycoke") instanceof ObjectNode ext) || !ext.has("trace_kept")) return false;
        JsonNode v = ext.remove("trace_kept");
        if (!v.isBoolean()) throw ApiError.invalid("dycoke.trace_kept", "dycoke.trace_kept must be true or false");
        return v.asBoolean();
    }

    /** {@code c} with its method watched by this trace; records what was kept before the LLM. */
    CompressedVideo watch(CompressedVideo c) {
        method = c.compression().name();
        merges = c.compression().merges();
        frames = c.all().frames(); // the methods' frames: Qwen2.5-VL's temporal steps
        tokensPerFrame = c.all().tokensPerFrame();
        sampled = c.encoded().frames();
        var temporal = c.encoded().features().grid();
        width = temporal == null ? 0 : temporal.width();
        kept = c.kept().sourceIndex().clone();
        return new CompressedVideo(c.encoded(), new Watched(c.compression()), c.kept(), c.embeds(), c.compress());
    }

    /** Adds the {@code kept} block to a response's {@code dycoke} object (none when no video was compressed). */
    void addTo(ObjectNode response) {
        if (kept == null || !(response.get("dycoke") instanceof ObjectNode d)) return;
        d.set("kept", json());
    }

    ObjectNode json() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("method", method);
        o.put("frames", frames);
        o.put("tokens_per_frame", tokensPerFrame);
        int side = (int) Math.round(Math.sqrt(tokensPerFrame));
        ArrayNode grid = o.putArray("grid");
        if (width > 0) grid.add(tokensPerFrame / width).add(width);
        else if (side * side == tokensPerFrame) grid.add(side).add(side);
        else grid.add(1).add(tokensPerFrame);
        // the sampled frame whose thumbnail a row shows: its first (a Qwen2.5-VL row is a temporal step of two frames)
        ArrayNode thumbs = o.putArray("thumbnails");
        for (int f = 0; f < frames; f++) thumbs.add(sampled >= frames ? (int) ((long) f * sampled / frames) : f);
        ArrayNode idx = o.putArray("indices");
        for (int i : kept) idx.add(i);
        char[] fate = new char[frames * tokensPerFrame];
        java.util.Arrays.fill(fate, merges ? 'm' : 'd');
        for (int i : kept) fate[i] = 'k';
        ArrayNode fates = o.putArray("fate"), counts = o.putArray("counts");
        for (int f = 0; f < frames; f++) {
            String row = new String(fate, f * tokensPerFrame, tokensPerFrame);
            fates.add(row);
            ObjectNode c = counts.addObject();
            c.put("kept", row.chars().filter(ch -> ch == 'k').count());
            c.put("merged", row.chars().filter(ch -> ch == 'm').count());
            c.put("dropped", row.chars().filter(ch -> ch == 'd').count());
        }
        if (prefillKept != null) {
            ObjectNode p = o.putObject("prefill");
            p.put("layer", prefillLayer);
            p.set("kept", sources(prefillKept));
        }
        if (dpLayer >= 0) {
            ObjectNode dp = o.putObject("dp");
            dp.put("layer", dpLayer);
            if (steps) {
                ArrayNode s = dp.putArray("attended");
                for (int[] a : attended) s.add(a == null ? null : sources(a));
            }
        }
        return o;
    }

    /** The pooled indices of visual offsets (rows of the prompt's visual span). */
    private ArrayNode sources(int[] offsets) {
        ArrayNode a = JsonNodeFactory.instance.arrayNode();
        for (int v : offsets) a.add(kept[v]);
        return a;
    }

    /** The offsets in {@code [start, start + visual)} of the ascending positions {@code pos}, less {@code start}. */
    private static int[] visualOffsets(int[] pos, int start, int visual) {
        int n = 0;
        for (int p : pos) if (p >= start && p < start + visual) n++;
        int[] out = new int[n];
        n = 0;
        for (int p : pos) if (p >= start && p < start + visual) out[n++] = p - start;
        return out;
    }

    /** The request's method, unchanged, with its in-LLM hooks reporting here. */
    private final class Watched implements ForwardingMethod {
        private final CompressionMethod m;

        Watched(CompressionMethod m) {
            this.m = m;
        }

        @Override
        public CompressionMethod base() {
            return m;
        }

        @Override
        public String key() {
            return m.key();
        }

        @Override
        public CompressionMethod resolve(VisualTokens pooled, FastVid.FrameSignals signals, ModelCost cost) {
            CompressionMethod r = m.resolve(pooled, signals, cost);
            return r == m ? this : new Watched(r);
        }

        @Override
        public PrefillPruning prefill(RequestShape shape) {
            PrefillPruning p = m.prefill(shape);
            if (p == null) return null;
            prefillLayer = p.layer();
            return new PrefillPruning() {
                @Override
                public int kept() {
                    return p.kept();
                }

                @Override
                public int layer() {
                    return p.layer();
                }

                @Override
                public int[] keep(float[] probs, int rows) {
                    return seen(p.keep(probs, rows));
                }

                @Override
                public int[] keep(float[] probs, float[] hidden, int rows, int dim) {
                    return seen(p.keep(probs, hidden, rows, dim));
                }

                private int[] seen(int[] r) {
                    prefillKept = visualOffsets(r, shape.start(), shape.visual());
                    return r;
                }
            };
        }

        @Override
        public DecodePruning decode(RequestShape shape) {
            DecodePruning d = m.decode(shape);
            if (d == null) return null;
            dpLayer = d.probeLayer() + 1;
            return new DecodePruning() {
                @Override
                public double attendedMean() {
                    return d.attendedMean();
                }

                @Override
                public double attendedMean(int rows) {
                    return d.attendedMean(rows);
                }

                @Override
                public int probeLayer() {
                    return d.probeLayer();
                }

                @Override
                public int layer() {
                    return d.layer();
                }

                @Override
                public int attendedAtSelection() {
                    return d.attendedAtSelection();
                }

                @Override
                public int attendedAtSelection(int rows) {
                    return d.attendedAtSelection(rows);
                }

                @Override
                public KvCache.CompactType compactType() {
                    return d.compactType();
                }

                @Override
                public int[] select(float[] probs, int len) {
                    int[] active = d.select(probs, len);
                    if (steps) attended.add(active == null ? null : visualOffsets(active, shape.start(), shape.visual()));
                    return active;
                }

                /** Records the visual tokens the top layer attends to (layers may hold different ones after a prefill hook). */
                @Override
                public int[] select(float[] probs, int len, KvCache cache) {
                    int[] active = d.select(probs, len, cache);
                    if (steps) {
                        int top = cache.layers() - 1;
                        int[] slots = d.activeAt(top, active);
                        int[] tokens = slots == null ? null : new int[slots.length];
                        if (slots != null) for (int i = 0; i < slots.length; i++) tokens[i] = cache.tokenOf(top, slots[i]);
                        attended.add(tokens == null ? null : visualOffsets(tokens, shape.start(), shape.visual()));
                    }
                    return active;
                }

                @Override
                public int[] activeAt(int layer, int[] selected) {
                    return d.activeAt(layer, selected);
                }

                @Override
                public void afterSelect(KvCache cache, int[] active) {
                    d.afterSelect(cache, active);
                }
            };
        }
    }
}
