package dev.dycoke4j.tokenizer;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import dev.dycoke4j.io.ModelFormatException;

/**
 * Reads a Hugging Face {@code tokenizer.json} into a {@link Tokenizer}. The large {@code model.vocab} and
 * {@code model.merges} are read straight from the bytes into {@link Vocab} and {@link MergeTable}; the other, small
 * sections are read as {@link JsonNode} trees.
 */
final class TokenizerJson {
    /** Ids beyond this are taken for a corrupt file rather than allocated for. */
    private static final int MAX_ID = 1 << 24;

    private final Path path;
    private final Map<String, JsonNode> sections = new HashMap<>();
    private final Map<String, JsonNode> modelOptions = new HashMap<>();
    private boolean hasModel;
    private Vocab vocab;
    /** Merges as (left id, right id, merged id) triples, in rank order; null until read. */
    private int[] merges;
    private int mergeCount;
    /** Merges read before the vocabulary (unusual), as left, right, left, right, ... */
    private List<String> unresolvedMerges;
    private byte[] left = new byte[64];

    private TokenizerJson(Path path) {
        this.path = path;
    }

    static Tokenizer load(Path path) {
        TokenizerJson file = new TokenizerJson(path);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            throw file.fail("file not found");
        } catch (AccessDeniedException e) {
            throw file.fail("permission denied");
        } catch (IOException e) {
            throw file.fail(Files.isDirectory(path) ? "is a directory, not a file" : "cannot read: " + e.getMessage());
        } catch (OutOfMemoryError e) {
            throw file.fail("too large to read");
        }
        try {
            file.parse(new JsonScanner(bytes));
            return file.build();
        } catch (IllegalArgumentException e) {
            throw file.fail(e.getMessage());
        }
    }

    private ModelFormatException fail(String problem) {
        return new ModelFormatException("tokenizer " + path + ": " + problem.replaceAll("\\s*\\R\\s*", " "));
    }

    private void parse(JsonScanner json) {
        if (json.peek() != '{') {
            json.readValue(); // fails if the file is not JSON at all
            json.expectEnd();
            throw new IllegalArgumentException("not a JSON object");
        }
        json.expect('{');
        if (!json.consume('}')) {
            do {
                String name = json.readString();
                json.expect(':');
                if (name.equals("model") && json.peek() == '{') {
                    hasModel = true;
                    parseModel(json);
                } else {
                    sections.put(name, json.readValue());
                }
            } while (json.more('}'));
        }
        json.expectEnd();
    }

    private void parseModel(JsonScanner json) {
        json.expect('{');
        if (json.consume('}')) {
            return;
        }
        do {
            String name = json.readString();
            json.expect(':');
            if (name.equals("vocab") && json.peek() == '{') {
                parseVocab(json);
            } else if (name.equals("merges") && json.peek() == '[') {
                parseMerges(json);
            } else {
                modelOptions.put(name, json.readValue());
            }
        } while (json.more('}'));
    }

    private void parseVocab(JsonScanner json) {
        vocab = new Vocab();
        json.expect('{');
        if (json.consume('}')) {
            return;
        }
        do {
            json.readStringBytes();
            byte[] b = json.strBytes;
            int off = json.strOff;
            int len = json.strLen; // stays valid while the id is read
            json.expect(':');
            long id = json.readLong();
            if (id < 0 || id > MAX_ID) {
                throw new IllegalArgumentException("model.vocab has id " + id + " out of range");
            }
            vocab.put(b, off, len, (int) id);
        } while (json.more('}'));
    }

    private void parseMerges(JsonScanner json) {
        merges = new int[3 * 1024];
        json.expect('[');
        if (json.consume(']')) {
            return;
        }
        do {
            if (json.peek() == '"') { // legacy form "left right"
                json.readStringBytes();
                byte[] b = json.strBytes;
                int space = indexOf(b, json.strOff, json.strLen, (byte) ' ');
                int end = json.strOff + json.strLen;
                if (space < 0 || indexOf(b, space + 1, end - space - 1, (byte) ' ') >= 0) {
                    throw new IllegalArgumentException("model.merges entry " + mergeCount + " is not two tokens");
                }
                addMerge(b, json.strOff, space - json.strOff, b, space + 1, end - space - 1);
            } else if (json.consume('[')) { // ["left", "right"]
                json.readStringBytes();
                int leftLen = json.strLen;
                if (left.length < leftLen) {
                    left = new byte[Math.max(leftLen, 2 * left.length)];
                }
                System.arraycopy(json.strBytes, json.strOff, left, 0, leftLen);
                json.expect(',');
                json.readStringBytes();
                json.expect(']');
                addMerge(left, 0, leftLen, json.strBytes, json.strOff, json.strLen);
            } else {
                throw new IllegalArgumentException("model.merges entry " + mergeCount + " is not two tokens");
            }
        } while (json.more(']'));
    }

    private static int indexOf(byte[] b, int off, int len, byte x) {
        for (int i = off; i < off + len; i++) {
            if (b[i] == x) {
                return i;
            }
        }
        return -1;
    }

    private void addMerge(byte[] a, int aOff, int aLen, byte[] b, int bOff, int bLen) {
        if (vocab == null) {
            if (unresolvedMerges == null) {
                unresolvedMerges = new ArrayList<>();
            }
            unresolvedMerges.add(new String(a, aOff, aLen, UTF_8));
            unresolvedMerges.add(new String(b, bOff, bLen, UTF_8));
            return;
        }
        int l = vocab.get(a, aOff, aLen);
        int r = vocab.get(b, bOff, bLen);
        int lr = vocab.getConcat(a, aOff, aLen, b, bOff, bLen);
        if (l < 0 || r < 0 || lr < 0) {
            throw new IllegalArgumentException("model.merges entry " + mergeCount + " ('"
                    + new String(a, aOff, aLen, UTF_8) + "' '"
                    + new String(b, bOff, bLen, UTF_8) + "') is not in model.vocab");
        }
        if (3 * mergeCount + 3 > merges.length) {
            merges = Arrays.copyOf(merges, merges.length * 2);
        }
        merges[3 * mergeCount] = l;
        merges[3 * mergeCount + 1] = r;
        merges[3 * mergeCount + 2] = lr;
        mergeCount++;
    }

    private Tokenizer build() {
        checkModel();
        TextNormalizer normalizer = TextNormalizer.fromJson(sections.get("normalizer"));
        PreTokenizer preTokenizer = PreTokenizer.fromJson(sections.get("pre_tokenizer"));
        checkDecoder(sections.get("decoder"));
        List<AddedToken> added = addedTokens(sections.get("added_tokens"));

        if (unresolvedMerges != null) {
            List<String> pending = unresolvedMerges;
            unresolvedMerges = null;
            for (int i = 0; i < pending.size(); i += 2) {
                byte[] a = pending.get(i).getBytes(UTF_8);
                byte[] b = pending.get(i + 1).getBytes(UTF_8);
                addMerge(a, 0, a.length, b, 0, b.length);
            }
        }
        MergeTable table = new MergeTable(mergeCount);
        for (int rank = 0; rank < mergeCount; rank++) {
            table.put(merges[3 * rank], merges[3 * rank + 1], rank, merges[3 * rank + 2]);
        }
        JsonNode unk = modelOptions.get("unk_token");
        int unkId = -1;
        if (unk != null && !unk.isNull()) {
            unkId = vocab.get(unk.asText());
            if (unkId < 0) {
                throw new IllegalArgumentException("model.unk_token '" + unk.asText() + "' is not in model.vocab");
            }
        }
        Bpe bpe = new Bpe(vocab, table, unkId, option("fuse_unk"), option("ignore_merges"));

        List<AddedToken> raw = new ArrayList<>();
        List<AddedToken> normalized = new ArrayList<>();
        for (AddedToken t : added) {
            if (t.normalized()) {
                normalized.add(new AddedToken(t.id(), normalizer.apply(t.content()), t.singleWord(), t.lstrip(),
                        t.rstrip(), true, t.special()));
            } else {
                raw.add(t);
            }
        }
        return new Tokenizer(vocab, added, new AddedTokenMatcher(raw), new AddedTokenMatcher(normalized), normalizer,
                preTokenizer, bpe);
    }

    private void checkModel() {
        JsonNode type = modelOptions.get("type");
        if (!hasModel && !sections.containsKey("model")) {
            throw new IllegalArgumentException("no 'model' section");
        }
        if (type != null && !type.asText().equals("BPE")) {
            throw new IllegalArgumentException("unsupported model type '" + type.asText() + "' (only BPE is supported)");
        }
        if (vocab == null || merges == null) {
            throw new IllegalArgumentException("model has no " + (vocab == null ? "vocab" : "merges")
                    + " (only BPE models are supported)");
        }
        JsonNode dropout = modelOptions.get("dropout");
        if (dropout != null && !dropout.isNull() && dropout.asDouble() != 0.0) {
            throw new IllegalArgumentException("unsupported BPE dropout " + dropout.asText());
        }
        for (String affix : List.of("continuing_subword_prefix", "end_of_word_suffix")) {
            JsonNode n = modelOptions.get(affix);
            if (n != null && !n.isNull() && !n.asText().isEmpty()) {
                throw new IllegalArgumentException("unsupported BPE " + affix + " '" + n.asText() + "'");
            }
        }
        if (option("byte_fallback")) {
            throw new IllegalArgumentException("unsupported BPE byte_fallback true");
        }
    }

    private boolean option(String name) {
        JsonNode n = modelOptions.get(name);
        return n != null && n.asBoolean(false);
    }

    private static void checkDecoder(JsonNode decoder) {
        String type = decoder == null || decoder.isNull() ? "none" : decoder.path("type").asText("");
        if (!type.equals("ByteLevel")) {
            throw new IllegalArgumentException("unsupported decoder type '" + type + "' (only ByteLevel)");
        }
    }

    private static List<AddedToken> addedTokens(JsonNode node) {
        List<AddedToken> out = new ArrayList<>();
        if (node == null || node.isNull()) {
            return out;
        }
        if (!node.isArray()) {
            throw new IllegalArgumentException("added_tokens is not an array");
        }
        for (JsonNode t : node) {
            JsonNode id = t.get("id");
            JsonNode content = t.get("content");
            if (id == null || !id.isIntegralNumber() || content == null || !content.isTextual()) {
                throw new IllegalArgumentException("added_tokens entry without integer id and string content: " + t);
            }
            if (id.asLong() < 0 || id.asLong() > MAX_ID) {
                throw new IllegalArgumentException("added token '" + content.asText() + "' has id out of range");
            }
            out.add(new AddedToken(
                    id.asInt(),
                    content.asText(),
                    t.path("single_word").asBoolean(false),
                    t.path("lstrip").asBoolean(false),
                    t.path("rstrip").asBoolean(false),
                    t.path("normalized").asBoolean(true),
                    t.path("special").asBoolean(false)));
        }
        return out;
    }
}
