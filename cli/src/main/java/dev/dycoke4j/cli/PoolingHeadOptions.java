package dev.dycoke4j.cli;

import dev.dycoke4j.hub.HubEnv;
import dev.dycoke4j.io.LlavaConfig;
import dev.dycoke4j.vision.SiglipPoolingHead;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;

/** {@code --pooling-head}: where SigLIP's attention-pooling head comes from, for the methods that need it (fastvid). */
final class PoolingHeadOptions {
    @Option(names = "--pooling-head", paramLabel = "FILE|DIR|ORG/NAME",
            description = "SigLIP's attention-pooling head, for fastvid: a safetensors file, a folder holding one (" + SiglipPoolingHead.BESIDE
                    + " or model.safetensors), or a SigLIP checkpoint's Hugging Face id (default: the head in the model's folder if it has one, else "
                    + PoolingHeadLoader.REPO + ").")
    String source;

    /** The head for {@code method} on the checkpoint in {@code checkpoint} ({@link PoolingHeadLoader}). */
    SiglipPoolingHead load(String method, Path checkpoint, HubEnv env, LlavaConfig.VisionConfig vision, PrintWriter err) {
        return PoolingHeadLoader.load(method, source, checkpoint, env, vision, err);
    }
}
