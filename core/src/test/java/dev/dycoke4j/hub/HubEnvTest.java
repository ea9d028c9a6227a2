package dev.dycoke4j.hub;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** HF_* variables as huggingface_hub's constants.py reads them, and model ids. */
class HubEnvTest {
    static final Path HOME = Path.of("/home/u");

    @Test
    void cacheFolderPrecedence() {
        assertEquals(Path.of("/home/u/.cache/huggingface/hub"), HubEnv.from(Map.of(), HOME).cache());
        assertEquals(Path.of("/x/huggingface/hub"), HubEnv.from(Map.of("XDG_CACHE_HOME", "/x"), HOME).cache());
        assertEquals(Path.of("/h/hub"), HubEnv.from(Map.of("HF_HOME", "/h", "XDG_CACHE_HOME", "/x"), HOME).cache());
        assertEquals(Path.of("/home/u/hf/hub"), HubEnv.from(Map.of("HF_HOME", "~/hf"), HOME).cache());
        assertEquals(Path.of("/c"), HubEnv.from(Map.of("HF_HUB_CACHE", "/c", "HF_HOME", "/h"), HOME).cache());
        assertEquals(Path.of("/old"), HubEnv.from(Map.of("HUGGINGFACE_HUB_CACHE", "/old", "HF_HOME", "/h"), HOME).cache());
    }

    @Test
    void endpointTokenAndOffline() {
        assertEquals("https://huggingface.co", HubEnv.from(Map.of(), HOME).endpoint());
        assertEquals("https://mirror.example", HubEnv.from(Map.of("HF_ENDPOINT", "https://mirror.example/"), HOME).endpoint());
        for (String t : new String[]{"1", "ON", "yes", "True"}) assertTrue(HubEnv.from(Map.of("HF_HUB_OFFLINE", t), HOME).offline(), t);
        for (String f : new String[]{"0", "off", "", "no"}) assertFalse(HubEnv.from(Map.of("HF_HUB_OFFLINE", f), HOME).offline(), f);
        assertTrue(HubEnv.from(Map.of("TRANSFORMERS_OFFLINE", "1"), HOME).offline());
        HubEnv withToken = HubEnv.from(Map.of("HF_TOKEN", "hf_abcdef"), HOME);
        assertTrue(withToken.hasToken());
        assertFalse(withToken.toString().contains("hf_abcdef"));
        assertThrows(IllegalStateException.class, () -> new HubClient(HubEnv.from(Map.of("HF_HUB_OFFLINE", "1"), HOME)));
    }

    @Test
    void datasetReposHaveTheirOwnUrlsAndCacheFolder() {
        ModelRef d = ModelRef.dataset("lmms-lab/Video-MME", "main");
        assertEquals("datasets--lmms-lab--Video-MME", d.folder());
        assertEquals("api/datasets/lmms-lab/Video-MME", d.apiPath());
        assertEquals("datasets/lmms-lab/Video-MME", d.urlPath());
        assertEquals("dataset lmms-lab/Video-MME@v2", d.withRevision("v2").toString());
        ModelRef m = ModelRef.parse("org/name");
        assertEquals("api/models/org/name", m.apiPath());
        assertEquals("org/name", m.urlPath());
        assertEquals(ModelRef.Type.MODEL, m.type());
        assertNull(ModelRef.repoOfFolder("datasets--org--name"), "a dataset folder is not listed as a model");
    }

    @Test
    void modelIds() {
        ModelRef r = ModelRef.parse("llava-hf/llava-onevision-qwen2-0.5b-ov-hf");
        assertEquals("main", r.revision());
        assertEquals("models--llava-hf--llava-onevision-qwen2-0.5b-ov-hf", r.folder());
        assertEquals("v1.0", ModelRef.parse("org/name@v1.0").revision());
        assertTrue(ModelRef.parse("org/name@0123456789abcdef0123456789abcdef01234567").isCommit());
        assertEquals("org/name", ModelRef.repoOfFolder("models--org--name"));
        for (String bad : new String[]{"name", "/abs/path", "a/b/c", "./x", "../x", "org/na--me", "org/name@", "~/models"})
            assertFalse(ModelRef.looksLikeHubId(bad), bad);
        assertThrows(IllegalArgumentException.class, () -> ModelRef.parse("org/name@../../x"));
    }

    @Test
    void etagsAreNormalisedAsHuggingfaceHubDoes() {
        assertEquals("abc", FileMeta.normaliseEtag("\"abc\""));
        assertEquals("abc", FileMeta.normaliseEtag("W/\"abc\""));
        assertEquals(null, FileMeta.normaliseEtag(null));
    }
}
