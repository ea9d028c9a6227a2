package dev.dycoke4j.eval;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.util.List;
import java.util.Map;

/** Reading a judge's HTTP reply as the copy does with {@code requests}: {@code response.json()} and the chat content. */
final class JudgeReplies {
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .build();

    private JudgeReplies() {
    }

    /** {@code json.loads(body)}; a PyError ({@code JSONDecodeError}) when the body is not JSON. */
    static Object json(String body) {
        try {
            JsonNode n = JSON.readTree(body);
            if (n == null || n.isMissingNode()) throw new PyError("JSONDecodeError", "Expecting value");
            return PyJson.fromJson(n);
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new PyError("JSONDecodeError", "Expecting value");
        }
    }

    /** {@code x[key]} with Python's errors: KeyError, IndexError, TypeError. */
    static Object item(Object x, Object key) {
        if (x instanceof Map<?, ?> m) {
            if (!(key instanceof String) || !m.containsKey(key)) throw new PyError("KeyError", PyRepr.repr(key));
            return m.get(key);
        }
        if (x instanceof List<?> l) return Doc.index(l, key);
        if (x instanceof String s && PyNum.isInt(key)) {
            List<String> cps = s.codePoints().mapToObj(Character::toString).toList();
            return Doc.index(cps, key);
        }
        throw new PyError("TypeError", "'" + PyRepr.typeName(x) + "' object is not subscriptable");
    }

    /** {@code response_data["choices"][0]["message"]["content"].strip()}. */
    static String content(Object data) {
        Object c = item(item(item(item(data, "choices"), java.math.BigInteger.ZERO), "message"), "content");
        return PyStr.stripAttr(c);
    }

    /** Python's {@code needle in haystack} for a str needle. */
    static boolean contains(Object haystack, String needle) {
        return switch (haystack) {
            case String s -> s.contains(needle);
            case List<?> l -> l.stream().anyMatch(x -> PyNum.eq(x, needle));
            case Map<?, ?> m -> m.containsKey(needle);
            case null, default -> throw new PyError("TypeError", "argument of type '" + PyRepr.typeName(haystack) + "' is not iterable");
        };
    }
}
