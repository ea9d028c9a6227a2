package dev.dycoke4j.cli;

import dev.dycoke4j.hub.DownloadOptions;
import dev.dycoke4j.hub.HubEnv;
import dev.dycoke4j.hub.HubException;
import dev.dycoke4j.hub.HubFile;
import dev.dycoke4j.hub.ModelRef;
import dev.dycoke4j.io.LlavaConfig;
import dev.dycoke4j.vision.SiglipPoolingHead;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * SigLIP's attention-pooling head for the methods that need each frame's signals (FastVID). LLaVA-OneVision drops the
 * head, so it comes from, in this order: the {@code --pooling-head} given (a safetensors file, a folder holding one,
 * or a SigLIP checkpoint's Hub id); a head kept in the checkpoint's folder ({@link SiglipPoolingHead#BESIDE}, as the
 * random benchmark checkpoints carry); else the SigLIP checkpoint the vision tower came from, by Hub id, through the
 * Hugging Face cache (the checkpoint file is downloaded once, as the Hub client fetches whole files, and only the
 * head's tensors are read).
 */
final class PoolingHeadLoader {
    /** The SigLIP checkpoint LLaVA-OneVision's vision tower came from. */
    static final String REPO = "google/siglip-so400m-patch14-384";
    static final String FILE = "model.safetensors";

    private PoolingHeadLoader() {
    }

    /**
     * The head for {@code method}, for a tower of {@code vision}'s shape: from {@code source} when given
     * ({@code --pooling-head}), else the one in {@code checkpoint}'s folder (may be null: none), else {@link #REPO}'s.
     *
     * @throws UsageException when {@code source} is neither a file, a folder holding a head, nor a Hub id
     * @throws HubException   in one line naming the method and the head when a Hub id's head is missing (offline and
     *                        not cached, or the download fails)
     */
    static SiglipPoolingHead load(String method, String source, Path checkpoint, HubEnv env, LlavaConfig.VisionConfig vision, PrintWriter err) {
        Path file = source != null ? given(source, method, env, err)
                : checkpoint != null && Files.isRegularFile(checkpoint.resolve(SiglipPoolingHead.BESIDE)) ? checkpoint.resolve(SiglipPoolingHead.BESIDE)
                : fromHub(REPO, method, env, err);
        return SiglipPoolingHead.read(file, vision.hiddenSize(), vision.numHeads(), vision.layerNormEps());
    }

    /** The head file {@code --pooling-head} names: a file, a folder's head, or a Hub id's checkpoint file. */
    private static Path given(String source, String method, HubEnv env, PrintWriter err) {
        Path p = Path.of(source);
        if (Files.isRegularFile(p)) return p;
        if (Files.isDirectory(p)) {
            for (String name : new String[]{SiglipPoolingHead.BESIDE, FILE})
                if (Files.isRegularFile(p.resolve(name))) return p.resolve(name);
            throw new UsageException("--pooling-head " + source + ": the folder holds neither " + SiglipPoolingHead.BESIDE + " nor " + FILE);
        }
        if (ModelRef.looksLikeHubId(source)) return fromHub(source, method, env, err);
        throw new UsageException("--pooling-head " + source + ": neither a file, a folder nor a Hugging Face model id (org/name)");
    }

    private static Path fromHub(String repo, String method, HubEnv env, PrintWriter err) {
        try {
            return HubFile.fetch(env, ModelRef.parse(repo), FILE, DownloadOptions.defaults(), new PullProgress(new ProgressBar(System.err), err));
        } catch (HubException e) {
            throw new HubException(e.kind(), method + " needs SigLIP's attention-pooling head, which LLaVA-OneVision checkpoints do not contain, and it is missing: "
                    + e.getMessage(), e);
        }
    }
}
