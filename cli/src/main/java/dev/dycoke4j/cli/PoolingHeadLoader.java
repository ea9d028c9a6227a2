package dev.dycoke4j.cli;

import dev.dycoke4j.hub.DownloadOptions;
import dev.dycoke4j.hub.HubEnv;
import dev.dycoke4j.hub.HubException;
import dev.dycoke4j.hub.HubFile;
import dev.dycoke4j.hub.ModelRef;
import dev.dycoke4j.io.LlavaConfig;
import dev.dycoke4j.vision.SiglipPoolingHead;

import java.io.PrintWriter;
import java.nio.file.Path;

/**
 * SigLIP's attention-pooling head for the methods that need each frame's signals (FastVID). LLaVA-OneVision drops the
 * head, so it comes from the SigLIP checkpoint the vision tower came from, by Hub id, through the Hugging Face cache:
 * the checkpoint file is downloaded once (the Hub client fetches whole files) and only the head's tensors are read.
 */
final class PoolingHeadLoader {
    /** The SigLIP checkpoint LLaVA-OneVision's vision tower came from. */
    static final String REPO = "google/siglip-so400m-patch14-384";
    static final String FILE = "model.safetensors";

    private PoolingHeadLoader() {
    }

    /**
     * The head of {@link #REPO} for a tower of {@code vision}'s shape, for {@code method}.
     *
     * @throws HubException in one line naming the method and the head when it is missing (offline and not cached, or
     *                      the download fails)
     */
    static SiglipPoolingHead load(String method, HubEnv env, LlavaConfig.VisionConfig vision, PrintWriter err) {
        Path file;
        try {
            file = HubFile.fetch(env, ModelRef.parse(REPO), FILE, DownloadOptions.defaults(), new PullProgress(new ProgressBar(System.err), err));
        } catch (HubException e) {
            throw new HubException(e.kind(), method + " needs SigLIP's attention-pooling head, which LLaVA-OneVision checkpoints do not contain, and it is missing: "
                    + e.getMessage(), e);
        }
        return SiglipPoolingHead.read(file, vision.hiddenSize(), vision.numHeads(), vision.layerNormEps());
    }
}
