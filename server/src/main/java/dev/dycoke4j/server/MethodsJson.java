package dev.dycoke4j.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dycoke4j.compress.BudgetKind;
import dev.dycoke4j.compress.CompressionMethod;
import dev.dycoke4j.compress.CompressionMethods;
import dev.dycoke4j.compress.MethodSpec;
import dev.dycoke4j.compress.TokenBudget;

import java.util.Map;

/**
 * {@code GET /v1/dycoke/methods}: every method of the {@link CompressionMethods} registry (its name, the option keys
 * it takes, their defaults, and how its budget is set), the budget kinds, and the server's own defaults and caps.
 */
final class MethodsJson {
    private MethodsJson() {
    }

    static ObjectNode of(ServerConfig config) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.put("object", "list");
        ArrayNode data = root.putArray("data");
        for (MethodSpec spec : CompressionMethods.all()) {
            ObjectNode m = data.addObject();
            m.put("name", spec.name());
            ArrayNode keys = m.putArray("keys");
            spec.keys().forEach(keys::add);
            CompressionMethod d = spec.defaults();
            ObjectNode defaults = m.putObject("defaults");
            for (Map.Entry<String, String> e : d.options().entrySet()) defaults.put(e.getKey(), e.getValue());
            m.put("budget", kind(d.budget()));
            m.put("takes_ratio", spec.keys().contains("ratio"));
            m.put("merges", d.merges());
            m.put("takes_dp", spec.keys().contains("dp"));
        }
        ObjectNode kinds = root.putObject("budget_kinds");
        kinds.putArray("ratio").add("ratio");
        ArrayNode ttm = kinds.putArray("match_ttm");
        TokenBudget.KEYS.stream().filter(k -> !k.equals("ratio")).forEach(ttm::add);
        ArrayNode budgets = root.putArray("budgets");
        for (BudgetKind k : BudgetKind.values()) budgets.addObject().put("name", k.text()).put("meaning", k.meaning());
        ObjectNode server = root.putObject("server");
        Defaults d = config.defaults();
        server.put("compress", d.compression().name());
        ObjectNode opts = server.putObject("options");
        for (Map.Entry<String, String> e : d.compression().options().entrySet()) opts.put(e.getKey(), e.getValue());
        server.put("frames", d.frames());
        server.put("max_frames", config.maxFrames());
        server.put("max_tokens", d.generation().maxNewTokens());
        server.put("max_media_bytes", config.media().maxBytes());
        server.put("local_media", config.media().localRoot() != null);
        server.put("model", config.modelName());
        return root;
    }

    /** {@code ratio} (a retained share of the pooled tokens) or {@code match_ttm} (as many as TTM keeps at its K). */
    static String kind(TokenBudget b) {
        return switch (b) {
            case TokenBudget.Ratio r -> "ratio";
            case TokenBudget.MatchTtm t -> "match_ttm";
        };
    }
}
