package dev.dycoke4j.tokenizer;

/**
 * One entry of the {@code added_tokens} section of tokenizer.json.
 *
 * @param normalized whether the token is matched in the normalized text (otherwise in the raw text)
 * @param special whether HF would drop it when decoding with {@code skip_special_tokens}
 */
record AddedToken(
        int id,
        String content,
        boolean singleWord,
        boolean lstrip,
        boolean rstrip,
        boolean normalized,
        boolean special) {}
