package dev.dycoke4j.server;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dycoke4j.pipeline.StatsJson;

/** The response bodies of {@code /v1/chat/completions} in OpenAI's shape: a completion, or the chunks of a stream. */
final class ChatJson {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private ChatJson() {
    }

    /** A whole answer. */
    static ObjectNode completion(String id, long created, String model, Job.Result r) {
        ObjectNode root = head(id, "chat.completion", created, model);
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode msg = choice.putObject("message");
        msg.put("role", "assistant");
        msg.put("content", r.text());
        msg.putNull("refusal");
        choice.putNull("logprobs");
        choice.put("finish_reason", r.finishReason());
        root.set("usage", usage(r));
        root.set("dycoke", dycoke(r));
        return root;
    }

    /**
     * A chunk carrying {@code delta}'s text (empty for a token that completes no text); the first one also says the role.
     * {@code usage} (null: none) is the running count of vLLM's {@code continuous_usage_stats}; without it the chunk
     * has {@code "usage": null} when {@code withUsage}, as OpenAI's do.
     */
    static ObjectNode chunk(String id, long created, String model, String text, boolean first, boolean withUsage, ObjectNode usage) {
        ObjectNode root = head(id, "chat.completion.chunk", created, model);
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode delta = choice.putObject("delta");
        if (first) delta.put("role", "assistant");
        delta.put("content", text);
        choice.putNull("logprobs");
        choice.putNull("finish_reason");
        usage(root, withUsage, usage);
        return root;
    }

    /** The chunk that ends the choice: an empty delta and the finish reason; {@code usage} as in {@link #chunk}. */
    static ObjectNode finish(String id, long created, String model, String reason, boolean withUsage, ObjectNode usage) {
        ObjectNode root = head(id, "chat.completion.chunk", created, model);
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0);
        choice.putObject("delta");
        choice.putNull("logprobs");
        choice.put("finish_reason", reason);
        usage(root, withUsage, usage);
        return root;
    }

    private static void usage(ObjectNode root, boolean withUsage, ObjectNode usage) {
        if (usage != null) root.set("usage", usage);
        else if (withUsage) root.putNull("usage");
    }

    /** The last chunk when usage was asked for: no choices, the usage and the run's figures. */
    static ObjectNode usageChunk(String id, long created, String model, Job.Result r) {
        ObjectNode root = head(id, "chat.completion.chunk", created, model);
        root.putArray("choices");
        root.set("usage", usage(r));
        root.set("dycoke", dycoke(r));
        return root;
    }

    /** Prompt tokens counted after compression; completion tokens as generated, the stop token included. */
    static ObjectNode usage(Job.Result r) {
        return usage(r.promptTokens(), r.completionTokens());
    }

    static ObjectNode usage(int promptTokens, int completionTokens) {
        ObjectNode u = F.objectNode();
        u.put("prompt_tokens", promptTokens);
        u.put("completion_tokens", completionTokens);
        u.put("total_tokens", promptTokens + completionTokens);
        return u;
    }

    /** The run's figures as {@code dycoke run --json} reports them, and the token ids; without figures when a stop string ended it. */
    static ObjectNode dycoke(Job.Result r) {
        ObjectNode d = r.stats() != null ? StatsJson.of(r.stats()) : F.objectNode();
        var ids = d.putArray("token_ids");
        for (int t : r.tokenIds()) ids.add(t);
        return d;
    }

    private static ObjectNode head(String id, String object, long created, String model) {
        ObjectNode root = F.objectNode();
        root.put("id", id);
        root.put("object", object);
        root.put("created", created);
        root.put("model", model);
        return root;
    }
}
