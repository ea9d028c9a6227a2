package dev.dycoke4j.pipeline;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** {@link Stats} as JSON: the one place its keys are spelled (snake_case, seconds per stage in {@code seconds}). */
public final class StatsJson {
    private StatsJson() {
    }

    /** The figures of {@code s}: {@code kv_bytes} is the active store plus the compact one. */
    public static ObjectNode of(Stats s) {
        ObjectNode st = JsonNodeFactory.instance.objectNode();
        st.put("method", s.method());
        st.put("frames", s.frames());
        st.put("visual_tokens_pooled", s.visualTokens());
        st.put("visual_tokens_kept", s.visualKept());
        st.put("visual_tokens_attended_mean", s.visualAttended());
        st.put("prompt_tokens", s.promptTokens());
        st.put("generated_tokens", s.generatedTokens());
        ObjectNode sec = st.putObject("seconds");
        sec.put("decode_video", s.seconds().decodeVideo());
        sec.put("preprocess", s.seconds().preprocess());
        sec.put("vision", s.seconds().vision());
        sec.put("project_pool", s.seconds().projectPool());
        sec.put("compress", s.seconds().compress());
        sec.put("prefill", s.seconds().prefill());
        sec.put("generate", s.seconds().generate());
        sec.put("overlapped", s.seconds().overlapped());
        sec.put("total", s.seconds().total());
        sec.put("ttft", s.ttftSeconds());
        st.put("vision_cached", s.visionCached());
        st.put("prefix_cached_tokens", s.prefixCachedTokens());
        st.put("decode_tokens_per_s", s.tokensPerSecond());
        st.put("kv_bytes", s.kvCacheBytes() + s.kvPrunedBytes());
        st.put("kv_bytes_active", s.kvCacheBytes());
        st.put("kv_bytes_pruned", s.kvPrunedBytes());
        st.put("flops_llm", s.flopsLlm());
        st.put("peak_rss_bytes", s.peakRssBytes());
        return st;
    }
}
