package dev.dycoke4j.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * MMMU's {@code parse_multi_choice_response} as NExT-QA and LongVideoBench use it: strip {@code , . ! ? ; : '} from the
 * ends (one character kind after the other), then "(X)", else "X " (a letter and a space), else "X."; option texts
 * only when the response has more than 5 words; of several candidates the LAST occurrence wins; nothing found falls
 * back to {@code random.choice}.
 */
final class MmmuChoiceParser {
    private MmmuChoiceParser() {
    }

    /** The parse and whether it was the random fallback. */
    record Parse(String letter, boolean fallback) {
    }

    static Parse parse(String response, List<String> allChoices, Map<String, ?> index2ans, PyRandom random) {
        for (String ch : List.of(",", ".", "!", "?", ";", ":", "'")) response = PyStr.strip(response, ch);
        response = " " + response + " ";
        boolean indexAns = true, withBracket = false;
        List<String> candidates = new ArrayList<>();
        for (String c : allChoices) {
            if (response.contains("(" + c + ")")) {
                candidates.add(c);
                withBracket = true;
            }
        }
        if (candidates.isEmpty()) for (String c : allChoices) if (response.contains(c + " ")) candidates.add(c);
        if (candidates.isEmpty()) for (String c : allChoices) if (response.contains(c + ".")) candidates.add(c);
        String lowerResponse = PyStr.lower(response);
        if (candidates.isEmpty() && PyStr.split(response).size() > 5) {
            for (var e : index2ans.entrySet()) {
                if (lowerResponse.contains(PyStr.lower(text(e.getValue())))) {
                    candidates.add(e.getKey());
                    indexAns = false;
                }
            }
        }
        if (candidates.isEmpty()) return new Parse(random.choice(allChoices), true);
        if (candidates.size() == 1) return new Parse(candidates.getFirst(), false);
        int best = 0;
        long bestAt = Long.MIN_VALUE;
        for (int k = 0; k < candidates.size(); k++) {
            String can = candidates.get(k);
            long at;
            if (indexAns) at = withBracket ? response.lastIndexOf("(" + can + ")") : response.lastIndexOf(" " + can + " ");
            else at = lowerResponse.lastIndexOf(PyStr.lower(text(index2ans.get(can))));
            if (at > bestAt) { // np.argmax: the first of equal maxima
                bestAt = at;
                best = k;
            }
        }
        return new Parse(candidates.get(best), false);
    }

    /** An option text; {@code .lower()} on anything else raises AttributeError. */
    private static String text(Object option) {
        if (option instanceof String s) return s;
        throw new PyError("AttributeError", "'" + PyRepr.typeName(option) + "' object has no attribute 'lower'");
    }
}
