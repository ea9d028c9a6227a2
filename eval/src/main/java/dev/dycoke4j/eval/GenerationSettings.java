package dev.dycoke4j.eval;

import java.util.List;

/**
 * How lmms-eval generates for a task with {@code llava_onevision}: the YAML's {@code generation_kwargs}, with the model's
 * defaults for what is missing (1024 new tokens, greedy) and the harness's default stop string ({@code "\n\n"}).
 *
 * @param topP null when neither the YAML nor the model sets it
 */
public record GenerationSettings(int maxNewTokens, double temperature, boolean doSample, Double topP, int numBeams, List<String> until) {
    static GenerationSettings greedy(int maxNewTokens, Double topP) {
        return new GenerationSettings(maxNewTokens, 0.0, false, topP, 1, List.of("\n\n"));
    }
}
