package dev.dycoke4j.eval.data;

import java.util.List;
import java.util.Map;

/**
 * A task's {@code doc_to_visual}: the paths, relative to {@code HF_HOME} and in the order lmms-eval tries them, where a
 * document's video may be. The first that exists is the video; none existing means it is missing.
 */
@FunctionalInterface
public interface VideoLocator {
    List<String> candidates(Map<String, Object> doc);
}
