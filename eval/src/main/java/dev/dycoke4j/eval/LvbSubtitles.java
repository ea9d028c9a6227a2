package dev.dycoke4j.eval;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * LongVideoBench's interleaved prompt: "&lt;image&gt;" for each of the 16 frame times and the subtitle lines between them.
 * A subtitle goes in when a frame time lies strictly inside it (widened to 1 s around its middle when shorter); frames
 * up to its middle come before it. A {@code timestamp} end that is not a float (null, or an int) becomes the duration.
 */
final class LvbSubtitles {
    private LvbSubtitles() {
    }

    /** {@code compute_frame_timestamps(duration, max_num_frames)}. */
    static List<Double> frameTimestamps(Object duration, int maxFrames) {
        double d = PyNum.asDouble(duration);
        List<Double> out = new ArrayList<>();
        if (d > maxFrames) {
            double step = PyNum.truediv(duration, BigInteger.valueOf(maxFrames));
            for (int i = 0; i < maxFrames; i++) out.add(step * i);
        } else {
            long n = PyNum.toInt(duration).longValueExact();
            for (int i = 0; i < n; i++) out.add((double) i);
        }
        return out;
    }

    /** {@code timestamp_to_seconds("HH:MM:SS.fff")}. */
    static double seconds(Object ts) {
        String[] hms = PyStr.requireStr(ts, "timestamp").split(":", -1);
        if (hms.length != 3) throw new PyError("ValueError", "expected 3 values to unpack, got " + hms.length);
        BigInteger whole = PyNum.toInt(hms[0]).multiply(BigInteger.valueOf(3600)).add(PyNum.toInt(hms[1]).multiply(BigInteger.valueOf(60)));
        return PyNum.intToDouble(whole) + PyNum.toFloat(hms[2]);
    }

    /** {@code insert_subtitles_into_frames}. */
    static String interleave(List<Double> frames, List<?> subtitles, Object startingTimestamp, Object duration) {
        List<String> out = new ArrayList<>();
        int cur = 0;
        double offset = PyNum.asDouble(startingTimestamp);
        for (Object item : subtitles) {
            Map<String, Object> sub = Doc.dict(item);
            double start, end;
            Object text;
            if (sub.containsKey("timestamp")) {
                List<?> range = Doc.list(sub.get("timestamp"));
                if (range.size() != 2) throw new PyError("ValueError", "expected 2 values to unpack, got " + range.size());
                Object e = range.get(1);
                start = PyNum.asDouble(range.get(0)) - offset;
                end = PyNum.asDouble(e instanceof Double ? e : duration) - offset;
                text = Doc.get(sub, "text");
            } else {
                Object s = Doc.get(sub, "start"), e = Doc.get(sub, "end");
                start = seconds(s) - offset;
                end = seconds(e) - offset;
                text = Doc.get(sub, "line");
            }
            double middle = (start + end) / 2;
            for (int i = cur; i < frames.size(); i++) {
                if (frames.get(i) <= middle) {
                    out.add("<image>");
                    cur++;
                } else {
                    break;
                }
            }
            if (end - start < 1) {
                end = middle + 0.5;
                start = middle - 0.5;
            }
            boolean covering = false;
            for (double f : frames) {
                if (f < end && f > start) {
                    covering = true;
                    break;
                }
            }
            if (covering) out.add(PyStr.requireStr(text, "subtitle text"));
        }
        for (int i = cur; i < frames.size(); i++) out.add("<image>");
        return String.join("\n", out);
    }
}
