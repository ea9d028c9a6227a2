package dev.dycoke4j.tokenizer;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * A Qwen2-style byte-level BPE tokenizer read from a Hugging Face {@code tokenizer.json}, giving the same ids as HF
 * tokenizers with {@code add_special_tokens=False} (no post-processor tokens are added).
 *
 * <p>Encoding: added tokens are found first (leftmost-longest, in the raw text for tokens with {@code normalized:
 * false}); the text between them is normalized (e.g. NFC), split by the pre-tokenizer regex, and each piece's UTF-8
 * bytes are merged by BPE rank. Decoding joins the bytes of the tokens (added tokens give their content) and replaces
 * ill-formed UTF-8 by U+FFFD; ids the tokenizer does not know are skipped, as HF does.
 *
 * <p>Instances are immutable and safe to share between threads.
 */
public final class Tokenizer {
    private static final byte[] EMPTY = new byte[0];

    private final Vocab vocab;
    private final Map<String, Integer> addedIds = new HashMap<>();
    private final Map<Integer, String> addedContent = new HashMap<>();
    private final AddedTokenMatcher rawAdded;
    private final AddedTokenMatcher normalizedAdded;
    private final TextNormalizer normalizer;
    private final PreTokenizer preTokenizer;
    private final Bpe bpe;
    private final int vocabSize;

    Tokenizer(
            Vocab vocab,
            List<AddedToken> added,
            AddedTokenMatcher rawAdded,
            AddedTokenMatcher normalizedAdded,
            TextNormalizer normalizer,
            PreTokenizer preTokenizer,
            Bpe bpe) {
        this.vocab = vocab;
        int maxId = vocab.maxId();
        for (AddedToken t : added) {
            addedIds.put(t.content(), t.id());
            addedContent.put(t.id(), t.content());
            maxId = Math.max(maxId, t.id());
        }
        this.vocabSize = maxId + 1;
        this.rawAdded = rawAdded;
        this.normalizedAdded = normalizedAdded;
        this.normalizer = normalizer;
        this.preTokenizer = preTokenizer;
        this.bpe = bpe;
    }

    /**
     * Reads a {@code tokenizer.json} with a BPE model, a ByteLevel decoder and a (Sequence of) Split/ByteLevel
     * pre-tokenizer.
     *
     * @throws dev.dycoke4j.io.ModelFormatException if the file is missing, unreadable, not valid JSON, or of a form
     *     this class does not support; the one-line message names the file and the problem
     */
    public static Tokenizer load(Path tokenizerJson) {
        return TokenizerJson.load(tokenizerJson);
    }

    /** The ids of {@code text}; added tokens written in the text (e.g. {@code <|im_end|>}) become their ids. */
    public int[] encode(String text) {
        Objects.requireNonNull(text, "text");
        IntArrayBuilder ids = new IntArrayBuilder(text.length() / 3 + 4);
        rawAdded.split(text, ids, raw -> normalizedAdded.split(
                normalizer.apply(raw), ids, piece -> preTokenizer.split(piece, word -> bpe.encode(word, ids))));
        return ids.toArray();
    }

    /** The text of {@code ids}; special tokens give their content, ill-formed UTF-8 gives U+FFFD. */
    public String decode(int[] ids) {
        Bytes bytes = new Bytes(ids.length * 4);
        for (int id : ids) {
            bytes.append(tokenBytes(id));
        }
        return Utf8.decodeLossy(bytes.data, 0, bytes.size);
    }

    /** The number of ids this tokenizer knows: its largest id + 1. */
    public int vocabSize() {
        return vocabSize;
    }

    /** The id of an added token or vocabulary entry, e.g. {@code "<|im_end|>"} or {@code "Ġthe"}. */
    public OptionalInt tokenId(String token) {
        Integer added = addedIds.get(token);
        int id = added != null ? added : vocab.get(token);
        return id < 0 ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /** A new decoder for one stream of generated ids. */
    public StreamDecoder streamDecoder() {
        return new StreamDecoder(this);
    }

    /** The bytes id decodes to, or an empty array for an id without a token. */
    byte[] tokenBytes(int id) {
        String token = addedContent.get(id);
        if (token == null) {
            token = vocab.token(id);
        }
        return token == null ? EMPTY : ByteLevel.tokenBytes(token);
    }

    /** A growable byte array. */
    private static final class Bytes {
        byte[] data;
        int size;

        Bytes(int capacity) {
            data = new byte[Math.max(16, capacity)];
        }

        void append(byte[] b) {
            if (size + b.length > data.length) {
                data = Arrays.copyOf(data, Math.max(data.length * 2, size + b.length));
            }
            System.arraycopy(b, 0, data, size, b.length);
            size += b.length;
        }
    }
}
