package dev.dycoke4j.cli;

import dev.dycoke4j.video.VideoFileSource;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;

/** {@code --video} (required): the video run and chat ask about. */
final class VideoOptions {
    @Option(names = "--video", required = true, paramLabel = "FILE", description = "A video file (anything FFmpeg decodes) or a folder of frame images.")
    Path video;

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    /**
     * The video as the pipeline's source, saying on the error output when it has fewer frames than asked for; a video
     * that does not exist is a usage error.
     */
    VideoFileSource source() {
        return Prologue.video(video, command.commandLine().getErr());
    }
}
