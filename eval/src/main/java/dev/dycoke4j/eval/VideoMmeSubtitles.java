package dev.dycoke4j.eval;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code videomme_w_subtitle}: Video-MME with the subtitles of the sampled frames before the question. The copy looks
 * for the video at {@code <HF_HOME>/videomme/<id>.mp4} (without the {@code data/} folder the videos are in), so in
 * DyCoke's runs OpenCV found no video, reported 0 fps and 0 frames, and every video with an .srt got an empty
 * subtitle block. When a video is there, 32 uniform frames pick the subtitles covering them, in CPython's set order.
 * Scored as {@code videomme}.
 */
public final class VideoMmeSubtitles extends VideoMme {
    private static final Pattern FONT = Pattern.compile("<font color=\"white\" size=\".72c\">(.*?)</font>", Pattern.UNIX_LINES);

    @Override
    public String name() {
        return "videomme_w_subtitle";
    }

    @Override
    public Map<String, Object> kwargs() {
        return Kwargs.withDefault(Kwargs.of(
                "default", Kwargs.of("frame_num", BigInteger.valueOf(32), "pre_prompt", "", "post_prompt", "\nAnswer the question using a single word or phrase."),
                "gemini_api", Kwargs.of("gemini_api_flag", "full subtitle")));
    }

    @Override
    public String prompt(Map<String, Object> doc, Map<String, Object> kwargs, CacheFiles files) {
        String id = PyStr.requireStr(Doc.get(doc, "videoID"), "videoID");
        String srt = files.text("videomme/subtitle/" + id + ".srt");
        String videoPath = "videomme/" + id + ".mp4";
        String subtitle;
        if (srt == null) {
            subtitle = "No subtitles available";
        } else {
            srt = srt.replace("\r\n", "\n").replace('\r', '\n'); // text mode's universal newlines
            if (Doc.has(kwargs, "gemini_api_flag")) {
                if (!PyNum.eq(kwargs.get("gemini_api_flag"), "full subtitle")) throw unbound();
                List<String> texts = new ArrayList<>();
                for (String line : readlines(srt)) {
                    Matcher m = FONT.matcher(line);
                    if (m.find()) texts.add(m.group(1));
                }
                subtitle = String.join("\n", texts);
            } else if (Doc.has(kwargs, "frame_num")) {
                subtitle = byFrames(srt, files.video(videoPath), kwargs.get("frame_num"));
            } else {
                throw unbound();
            }
        }
        return "This video's subtitles are listed below: \n" + subtitle + "\n" + OPTION_PROMPT + "\n" + questionWithOptions(doc) + "\n" + "The best answer is:";
    }

    private static PyError unbound() {
        return new PyError("UnboundLocalError", "cannot access local variable 'subtitle_text' where it is not associated with a value");
    }

    /** {@code file.readlines()}: the lines with their line ends. */
    private static List<String> readlines(String text) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                out.add(text.substring(start, i + 1));
                start = i + 1;
            }
        }
        if (start < text.length()) out.add(text.substring(start));
        return out;
    }

    private record Entry(long startFrame, long endFrame, String text) {
    }

    private static String byFrames(String srt, CacheFiles.VideoProbe video, Object frameNum) {
        double fps = video == null ? 0.0 : video.fps();
        long total = video == null ? 0 : video.frameCount();
        List<Entry> entries = new ArrayList<>();
        for (var e : loadSubtitles(srt).entrySet()) {
            entries.add(new Entry(toFrame(e.getKey().get(0) * fps), toFrame(e.getKey().get(1) * fps), e.getValue()));
        }
        if (!PyNum.isInt(frameNum)) throw new PyError("TypeError", "'" + PyRepr.typeName(frameNum) + "' object cannot be interpreted as an integer");
        List<Integer> picked = new ArrayList<>();
        for (long f : linspace(total - 1, PyNum.asBig(frameNum).intValueExact())) {
            for (int idx = 0; idx < entries.size(); idx++) {
                Entry t = entries.get(idx);
                if (f < t.endFrame && f >= t.startFrame) picked.add(idx);
            }
        }
        List<String> texts = new ArrayList<>();
        for (int idx : PySetOrder.order(picked)) {
            Matcher m = FONT.matcher(entries.get(idx).text);
            if (m.find()) texts.add(m.group(1));
        }
        return String.join("\n", texts);
    }

    /** {@code int(x)} of a float frame position. */
    private static long toFrame(double x) {
        if (Double.isNaN(x)) throw new PyError("ValueError", "cannot convert float NaN to integer");
        if (Double.isInfinite(x)) throw new PyError("OverflowError", "cannot convert float infinity to integer");
        return (long) x;
    }

    /** {@code np.linspace(0, stop, num, dtype=int)}: {@code i * (stop / (num - 1))}, the last one exactly {@code stop}, floored. */
    static long[] linspace(long stop, int num) {
        if (num < 0) throw new PyError("ValueError", "Number of samples, " + num + ", must be non-negative.");
        long[] out = new long[num];
        int div = num - 1;
        double delta = stop;
        double step = div > 0 ? delta / div : Double.NaN;
        for (int i = 0; i < num; i++) {
            double y;
            if (div > 0) y = step == 0 ? (i / (double) div) * delta : i * step;
            else y = i * delta;
            if (i == num - 1 && num > 1) y = stop;
            out[i] = (long) Math.floor(y);
        }
        return out;
    }

    /** {@code load_subtitles}: entries by (start, end) seconds; a repeated time range keeps its place and takes the last text. */
    static Map<List<Double>, String> loadSubtitles(String content) {
        Map<List<Double>, String> subs = new LinkedHashMap<>();
        for (String section : content.split("\n\n", -1)) {
            if (PyStr.strip(section).isEmpty()) continue;
            String[] lines = section.split("\n", -1);
            if (lines.length < 3) continue;
            String[] range = lines[1].split(" --> ", -1);
            double start = seconds(range[0]);
            if (range.length < 2) throw new PyError("IndexError", "list index out of range");
            double end = seconds(range[1]);
            subs.put(List.of(start, end), String.join(" ", java.util.Arrays.asList(lines).subList(2, lines.length)));
        }
        return subs;
    }

    /** {@code parse_subtitle_time}: "HH:MM:SS,mmm" to seconds (a float). */
    static double seconds(String t) {
        String[] hms = t.split(":", -1);
        if (hms.length != 3) throw new PyError("ValueError", "expected 3 values to unpack, got " + hms.length);
        String[] sms = hms[2].split(",", -1);
        if (sms.length != 2) throw new PyError("ValueError", "expected 2 values to unpack, got " + sms.length);
        BigInteger whole = PyNum.toInt(hms[0]).multiply(BigInteger.valueOf(3600))
                .add(PyNum.toInt(hms[1]).multiply(BigInteger.valueOf(60))).add(PyNum.toInt(sms[0]));
        return PyNum.intToDouble(whole) + PyNum.truediv(PyNum.toInt(sms[1]), BigInteger.valueOf(1000));
    }
}
