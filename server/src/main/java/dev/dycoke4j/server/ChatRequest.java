package dev.dycoke4j.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dycoke4j.compress.CompressionMethod;
import dev.dycoke4j.compress.CompressionMethods;
import dev.dycoke4j.compress.InvalidOptionException;
import dev.dycoke4j.pipeline.GenerationOptions;
import dev.dycoke4j.pipeline.VisionOptions;
import dev.dycoke4j.tokenizer.ChatTemplate;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A {@code POST /v1/chat/completions} body, validated: the conversation (system, user and assistant messages, a user
 * message last; at most one {@code video_url} part, in a user message: without one the language model answers alone),
 * OpenAI's sampling fields, and the {@code dycoke} extension object, whose keys are those of the CLI's options ({@code frames}, {@code compress}, and each method's
 * option keys, which {@link CompressionMethods#parse} checks). Every refusal is an {@link ApiError} naming the field.
 *
 * @param messages   the conversation, as the chat template takes it
 * @param question   the text of the last message, the one answered
 * @param videoUrl   the video's URL, or null for a conversation without one
 * @param videoParam the field that holds the video URL, for the errors about it
 * @param vision     the frames asked for, in the server's vision batch
 * @param stop       strings that end the answer where they appear (not included)
 * @param continuousUsage whether every chunk of the stream carries the running usage (vLLM's
 *                   {@code stream_options.continuous_usage_stats}; it takes {@code include_usage} on unless that is false,
 *                   and has no effect when it is, as in vLLM)
 */
record ChatRequest(String model, List<ChatTemplate.Message> messages, String question, String videoUrl, String videoParam, GenerationOptions generation, VisionOptions vision,
                   CompressionMethod compression, boolean stream, boolean includeUsage, boolean continuousUsage, List<String> stop) {
    private static final Set<String> TOP_LEVEL = Set.of("model", "messages", "max_tokens", "max_completion_tokens", "temperature",
            "top_p", "seed", "stop", "stream", "stream_options", "n", "tools", "tool_choice", "functions", "function_call", "user",
            "dycoke", "frequency_penalty", "presence_penalty", "logprobs", "top_logprobs", "response_format", "parallel_tool_calls",
            "metadata", "store", "modalities", "service_tier", "logit_bias", "ignore_eos");
    private static final Set<String> STREAM_OPTIONS = Set.of("include_usage", "continuous_usage_stats");
    private static final Set<String> KNOWN_ROLES = Set.of("system", "developer", "user", "assistant", "tool", "function");

    static ChatRequest parse(JsonNode body, ServerConfig config) {
        if (body == null || !body.isObject()) throw ApiError.invalid(null, "the request body must be a JSON object");
        for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!TOP_LEVEL.contains(f)) throw ApiError.invalid(f, f + " is not a field of a chat completion request");
        }
        String model = body.hasNonNull("model") ? text(body, "model") : config.modelName();
        if (!model.equals(config.modelName())) throw ApiError.unknownModel(model, config.modelName());
        if (body.hasNonNull("n") && !(body.get("n").canConvertToInt() && body.get("n").asInt() == 1))
            throw ApiError.invalid("n", "n must be 1 (one choice per request)");
        for (String f : List.of("tools", "tool_choice", "functions", "function_call"))
            if (body.hasNonNull(f)) throw ApiError.invalid(f, f + " is not supported: this model calls no tools");
        for (String f : List.of("logprobs", "top_logprobs"))
            if (body.hasNonNull(f) && !(body.get(f).isBoolean() && !body.get(f).asBoolean()))
                throw ApiError.invalid(f, f + " is not supported");
        if (body.hasNonNull("response_format") && !"text".equals(body.get("response_format").path("type").asText()))
            throw ApiError.invalid("response_format", "only the text response format is supported");
        for (String f : List.of("frequency_penalty", "presence_penalty"))
            if (body.hasNonNull(f) && number(body, f) != 0) throw ApiError.invalid(f, f + " is not supported (only 0)");

        Prompt prompt = prompt(body.get("messages"));
        Defaults d = config.defaults();
        GenerationOptions g = d.generation();
        int maxTokens = g.maxNewTokens();
        if (body.hasNonNull("max_completion_tokens")) maxTokens = positive(body, "max_completion_tokens");
        else if (body.hasNonNull("max_tokens")) maxTokens = positive(body, "max_tokens");
        float temperature = body.hasNonNull("temperature") ? (float) number(body, "temperature") : g.temperature();
        if (!(temperature >= 0 && temperature <= 2)) throw ApiError.invalid("temperature", "temperature must be in [0, 2], got " + temperature);
        float topP = body.hasNonNull("top_p") ? (float) number(body, "top_p") : g.topP();
        if (!(topP > 0 && topP <= 1)) throw ApiError.invalid("top_p", "top_p must be in (0, 1], got " + topP);
        long seed = g.seed();
        if (body.hasNonNull("seed")) {
            if (!body.get("seed").canConvertToLong() || !body.get("seed").isIntegralNumber()) throw ApiError.invalid("seed", "seed must be an integer");
            seed = body.get("seed").asLong();
        }
        // vLLM's extension, which load benchmarks use so that every answer has max_tokens tokens
        boolean ignoreEos = body.hasNonNull("ignore_eos") && bool(body, "ignore_eos");
        GenerationOptions gen = new GenerationOptions(maxTokens, temperature, topP, seed, ignoreEos);

        boolean stream = body.hasNonNull("stream") && bool(body, "stream");
        boolean includeUsage = false, continuousUsage = false;
        JsonNode so = body.get("stream_options");
        if (so != null && !so.isNull()) {
            if (!stream) throw ApiError.invalid("stream_options", "stream_options needs stream: true");
            if (!so.isObject()) throw ApiError.invalid("stream_options", "stream_options must be an object");
            for (Iterator<String> it = so.fieldNames(); it.hasNext(); ) {
                String f = it.next();
                if (!STREAM_OPTIONS.contains(f)) throw ApiError.invalid("stream_options." + f, "stream_options." + f + " is not supported");
            }
            // vLLM's extension: usage in every chunk; include_usage defaults to true beside it, as vLLM's does
            continuousUsage = so.hasNonNull("continuous_usage_stats") && bool(so, "continuous_usage_stats", "stream_options.continuous_usage_stats");
            includeUsage = so.hasNonNull("include_usage") ? bool(so, "include_usage") : continuousUsage;
            continuousUsage &= includeUsage;
        }
        List<String> stop = stop(body.get("stop"));

        Engine e = engine(body.get("dycoke"), config);
        return new ChatRequest(model, prompt.messages, prompt.question, prompt.url, prompt.urlParam, gen, d.vision().withFrames(e.frames), e.compression, stream, includeUsage, continuousUsage, stop);
    }

    private record Prompt(List<ChatTemplate.Message> messages, String question, String url, String urlParam) {
    }

    private record Engine(int frames, CompressionMethod compression) {
    }

    /**
     * The conversation as the chat template takes it: system ({@code developer} too), user and assistant messages with
     * string content or text parts, one {@code video_url} part in at most one user message, and a user message last
     * (the one answered) holding a question.
     */
    private static Prompt prompt(JsonNode messages) {
        if (messages == null || !messages.isArray() || messages.isEmpty())
            throw ApiError.invalid("messages", "messages must be a non-empty array");
        List<ChatTemplate.Message> out = new ArrayList<>();
        String url = null, urlParam = null, question = null;
        for (int i = 0; i < messages.size(); i++) {
            JsonNode m = messages.get(i);
            String p = "messages[" + i + "]";
            if (!m.isObject()) throw ApiError.invalid(p, p + " must be an object");
            String role = m.path("role").asText("");
            if (!KNOWN_ROLES.contains(role)) throw ApiError.invalid(p + ".role", p + ".role '" + role + "' is not a role (system, user, assistant)");
            if (role.equals("tool") || role.equals("function"))
                throw ApiError.invalid(p + ".role", p + ".role " + role + " is not supported: this model calls no tools");
            if (m.hasNonNull("tool_calls") || m.hasNonNull("function_call"))
                throw ApiError.invalid(p + ".tool_calls", p + " calls tools: this model calls no tools");
            if (role.equals("developer")) role = "system";
            JsonNode content = m.get("content");
            String pc = p + ".content";
            if (content == null || content.isNull()) throw ApiError.invalid(pc, pc + " is missing");
            List<String> texts = new ArrayList<>();
            boolean video = false;
            if (content.isTextual()) texts.add(content.asText());
            else if (!content.isArray()) throw ApiError.invalid(pc, pc + " must be a string or an array of parts");
            else for (int j = 0; j < content.size(); j++) {
                JsonNode part = content.get(j);
                String pp = pc + "[" + j + "]";
                String type = part.path("type").asText("");
                switch (type) {
                    case "text" -> {
                        if (!part.path("text").isTextual()) throw ApiError.invalid(pp + ".text", pp + ".text must be a string");
                        texts.add(part.get("text").asText());
                    }
                    case "video_url" -> {
                        if (url != null) throw ApiError.invalid(pp, "one video per request: " + pp + " is a second video_url part");
                        if (!role.equals("user")) throw ApiError.invalid(pp, pp + " is a video in a " + role + " message: only a user message may hold it");
                        JsonNode u = part.path("video_url").path("url");
                        if (!u.isTextual() || u.asText().isBlank()) throw ApiError.invalid(pp + ".video_url.url", pp + ".video_url.url must be a URL");
                        url = u.asText();
                        urlParam = pp + ".video_url.url";
                        video = true;
                    }
                    case "image_url", "input_image", "image" -> throw ApiError.invalid(pp, pp + " is an image: this server answers about videos (video_url)");
                    default -> throw ApiError.invalid(pp + ".type", pp + ".type '" + type + "' is not supported (text, video_url)");
                }
            }
            if (texts.isEmpty() && !video) throw ApiError.invalid(pc, pc + " holds no text and no video");
            out.add(new ChatTemplate.Message(role, video, texts));
            if (i == messages.size() - 1) {
                if (!role.equals("user"))
                    throw ApiError.invalid(p + ".role", "the last message must be the user's (the one answered); " + p + " is the " + role + "'s");
                question = String.join("\n", texts);
                if (question.isBlank()) throw ApiError.invalid(pc, pc + " must hold a text part with the question");
            }
        }
        return new Prompt(List.copyOf(out), question, url, urlParam);
    }

    private static List<String> stop(JsonNode s) {
        if (s == null || s.isNull()) return List.of();
        List<String> out = new ArrayList<>();
        if (s.isTextual()) out.add(s.asText());
        else if (s.isArray()) {
            for (JsonNode x : s) {
                if (!x.isTextual()) throw ApiError.invalid("stop", "stop must be a string or an array of strings");
                out.add(x.asText());
            }
        } else throw ApiError.invalid("stop", "stop must be a string or an array of strings");
        if (out.size() > 4) throw ApiError.invalid("stop", "stop holds at most 4 strings");
        for (String x : out) if (x.isEmpty()) throw ApiError.invalid("stop", "stop strings must not be empty");
        return List.copyOf(out);
    }

    /**
     * The extension object: {@code frames}, {@code compress}, and the method's option keys. Without {@code compress},
     * or naming the server's default method, the server's own options for that method stay and the request's keys
     * change them; another method starts from its own defaults.
     */
    private static Engine engine(JsonNode ext, ServerConfig config) {
        Defaults d = config.defaults();
        if (ext == null || ext.isNull()) return new Engine(d.frames(), d.compression());
        if (!ext.isObject()) throw ApiError.invalid("dycoke", "dycoke must be an object");
        int frames = d.frames();
        if (ext.has("frames")) {
            JsonNode f = ext.get("frames");
            if (!f.isIntegralNumber() || !f.canConvertToInt() || f.asInt() < 1)
                throw ApiError.invalid("dycoke.frames", "dycoke.frames must be an integer of at least 1");
            frames = f.asInt();
            if (frames > config.maxFrames())
                throw ApiError.invalid("dycoke.frames", "dycoke.frames " + frames + " is above this server's limit of " + config.maxFrames());
        }
        String method = d.compression().name();
        if (ext.has("compress")) {
            if (!ext.get("compress").isTextual()) throw ApiError.invalid("dycoke.compress", "dycoke.compress must be a method name");
            method = ext.get("compress").asText();
            if (CompressionMethods.find(method).isEmpty())
                throw ApiError.invalid("dycoke.compress", "dycoke.compress takes " + String.join(", ", CompressionMethods.names()) + "; got '" + method + "'");
        }
        Map<String, String> options = new LinkedHashMap<>();
        if (method.equals(d.compression().name())) options.putAll(d.compression().options());
        for (Map.Entry<String, JsonNode> e : ext.properties()) {
            String k = e.getKey();
            if (k.equals("frames") || k.equals("compress")) continue;
            JsonNode v = e.getValue();
            if (!v.isValueNode() || v.isNull()) throw ApiError.invalid("dycoke." + k, "dycoke." + k + " must be a number, a string or a boolean");
            options.put(k, v.isBoolean() ? (v.asBoolean() ? "on" : "off") : v.asText());
        }
        try {
            return new Engine(frames, CompressionMethods.parse(method, options));
        } catch (InvalidOptionException e) {
            throw ApiError.invalid("dycoke." + e.key(), e.message(k -> "dycoke." + k));
        }
    }

    private static String text(JsonNode body, String f) {
        if (!body.get(f).isTextual()) throw ApiError.invalid(f, f + " must be a string");
        return body.get(f).asText();
    }

    private static double number(JsonNode body, String f) {
        if (!body.get(f).isNumber()) throw ApiError.invalid(f, f + " must be a number");
        return body.get(f).asDouble();
    }

    private static int positive(JsonNode body, String f) {
        JsonNode v = body.get(f);
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < 1) throw ApiError.invalid(f, f + " must be an integer of at least 1");
        return v.asInt();
    }

    private static boolean bool(JsonNode body, String f) {
        return bool(body, f, f);
    }

    /** Field {@code f} of {@code node}, named {@code param} in the error. */
    private static boolean bool(JsonNode node, String f, String param) {
        if (!node.get(f).isBoolean()) throw ApiError.invalid(param, param + " must be true or false");
        return node.get(f).asBoolean();
    }
}
