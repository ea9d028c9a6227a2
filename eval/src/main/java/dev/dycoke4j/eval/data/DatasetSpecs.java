package dev.dycoke4j.eval.data;

import dev.dycoke4j.eval.MvBench;
import dev.dycoke4j.eval.PyStr;
import dev.dycoke4j.eval.Tasks;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every task's {@link DatasetSpec}, from the YAMLs and {@code doc_to_visual} functions of DyCoke's lmms-eval copy.
 * Their quirks are kept: Video-MME and VideoDC retry a missing {@code .mp4} as {@code .MP4} then {@code .mkv} by
 * replacing every "mp4" in the path; MVBench's fallback folder {@code data0613} never applies (the copy tests the
 * basename of a folder that ends with "/", which is empty); ActivityNet-QA tries {@code .webm} and {@code .mkv}.
 */
public final class DatasetSpecs {
    /** MVBench's {@code DATA_LIST}: the folder below the cache each sub-task's videos are in. */
    static final Map<String, String> MVBENCH_FOLDERS = Map.ofEntries(
            Map.entry("action_sequence", "star/Charades_v1_480/"), Map.entry("action_prediction", "star/Charades_v1_480/"),
            Map.entry("action_antonym", "ssv2_video/"), Map.entry("fine_grained_action", "Moments_in_Time_Raw/videos/"),
            Map.entry("unexpected_action", "FunQA_test/test/"), Map.entry("object_existence", "clevrer/video_validation/"),
            Map.entry("object_interaction", "star/Charades_v1_480/"), Map.entry("object_shuffle", "perception/videos/"),
            Map.entry("moving_direction", "clevrer/video_validation/"), Map.entry("action_localization", "sta/sta_video/"),
            Map.entry("scene_transition", "scene_qa/video/"), Map.entry("action_count", "perception/videos/"),
            Map.entry("moving_count", "clevrer/video_validation/"), Map.entry("moving_attribute", "clevrer/video_validation/"),
            Map.entry("state_change", "perception/videos/"), Map.entry("fine_grained_pose", "nturgbd/"),
            Map.entry("character_order", "perception/videos/"), Map.entry("egocentric_navigation", "vlnqa/"),
            Map.entry("episodic_reasoning", "tvqa/frames_fps3_hq/"), Map.entry("counterfactual_inference", "clevrer/video_validation/"));

    private static final List<String> VIDEOMME_FIELDS = List.of("videoID", "question_id", "duration", "domain", "sub_category", "task_type",
            "question", "options", "answer");
    private static final Map<String, DatasetSpec> ALL;

    static {
        Map<String, DatasetSpec> m = new LinkedHashMap<>();
        VideoLocator videomme = doc -> mp4Variants("videomme/data/" + str(doc, "videoID") + ".mp4", "MP4", "mkv");
        add(m, new DatasetSpec("videomme", "lmms-lab/Video-MME", null, "test", "videomme", files(null, "test", "videomme/test-*.parquet"),
                VIDEOMME_FIELDS, "videoID", videomme));
        add(m, new DatasetSpec("videomme_w_subtitle", "lmms-lab/Video-MME", null, "test", "videomme", files(null, "test", "videomme/test-*.parquet"),
                VIDEOMME_FIELDS, "videoID", videomme));
        for (String sub : MvBench.SUB_TASKS) {
            String folder = MVBENCH_FOLDERS.get(sub);
            add(m, new DatasetSpec("mvbench_" + sub, "OpenGVLab/MVBench", sub, "train", "mvbench", files(sub, "train", "json/" + sub + ".json"),
                    List.of("video", "question", "candidates", "answer"), "video", doc -> List.of("mvbench/" + folder + str(doc, "video"))));
        }
        add(m, new DatasetSpec("nextqa_mc_test", "lmms-lab/NExTQA", "MC", "test", "nextqa", files("MC", "test"),
                List.of("video", "question", "a0", "a1", "a2", "a3", "a4", "answer"), "video", DatasetSpecs::nextqa));
        add(m, new DatasetSpec("perceptiontest_val_mc", "lmms-lab/PerceptionTest_Val", "mc_question_val", "validation", "perceptiontest_val",
                files("mc_question_val", "validation"), List.of("video_name", "question", "answer_id"), "video_name",
                doc -> mp4Variants("perceptiontest_val/videos/" + str(doc, "video_name") + ".mp4", "MP4")));
        VideoLocator ego = doc -> mp4Variants("egoschema/videos/" + str(doc, "video_idx") + ".mp4", "MP4");
        List<String> egoFields = List.of("video_idx", "question", "option", "answer");
        add(m, new DatasetSpec("egoschema", "lmms-lab/egoschema", "GENERATION", "test", "egoschema", files("GENERATION", "test"), egoFields, "video_idx", ego));
        add(m, new DatasetSpec("egoschema_subset", "lmms-lab/egoschema", "Subset", "test", "egoschema", files("Subset", "test"), egoFields, "video_idx", ego));
        add(m, new DatasetSpec("longvideobench_val_v", "longvideobench/LongVideoBench", null, "validation", "longvideobench", files(null, "validation"),
                List.of("video_id", "video_path", "question", "correct_choice", "duration_group", "question_category"), "video_path",
                doc -> List.of("longvideobench/videos/" + str(doc, "video_path"))));
        add(m, new DatasetSpec("activitynetqa", "lmms-lab/ActivityNetQA", null, "test", "activitynetqa", files(null, "test"),
                List.of("video_name", "question", "answer", "question_id", "type"), "video_name",
                doc -> mp4Variants("activitynetqa/all_test/v_" + str(doc, "video_name") + ".mp4", "mp4", "webm", "mkv")));
        add(m, new DatasetSpec("video_dc499", "lmms-lab/VideoDetailDescription", null, "test", "videochatgpt", files(null, "test"),
                List.of("video_name", "question", "answer"), "video_name",
                doc -> mp4Variants("videochatgpt/Test_Videos/" + str(doc, "video_name") + ".mp4", "MP4", "mkv")));
        ALL = Collections.unmodifiableMap(m);
    }

    private DatasetSpecs() {
    }

    /** The task's spec; an unknown task is a {@link DataException} naming the known ones. */
    public static DatasetSpec of(String task) {
        DatasetSpec s = ALL.get(task);
        if (s == null) {
            try {
                Tasks.get(task);
            } catch (IllegalArgumentException e) {
                throw new DataException(e.getMessage(), e);
            }
            throw new DataException("task '" + task + "' has no dataset (datasets: " + String.join(", ", ALL.keySet()) + ")");
        }
        return s;
    }

    /** Every task with a dataset: the Video-MME tasks, the MVBench sub-tasks, then the others. */
    public static List<String> tasks() {
        return List.copyOf(ALL.keySet());
    }

    private static void add(Map<String, DatasetSpec> m, DatasetSpec s) {
        m.put(s.task(), s);
    }

    /**
     * The data files of a config's split: the repo's known layout first, then the {@code datasets} library's default
     * patterns (split name in the file name or folder, under the config's folder, {@code data/}, or the root).
     */
    static List<String> files(String config, String split, String... known) {
        List<String> out = new ArrayList<>(List.of(known));
        for (String ext : List.of("parquet", "json", "jsonl")) {
            if (config != null) {
                out.add(config + "/" + split + "-*." + ext);
                out.add(config + "/" + split + "/*." + ext);
            }
            out.add("data/" + split + "-*." + ext);
            out.add("data/" + split + "/*." + ext);
            out.add(split + "-*." + ext);
            out.add(split + "/*." + ext);
            if (config == null) out.add("*/" + split + "-*." + ext);
        }
        return out;
    }

    /** The path, then the same with every "mp4" replaced by each other extension in turn, as the copy's {@code str.replace}. */
    private static List<String> mp4Variants(String path, String... others) {
        List<String> out = new ArrayList<>();
        out.add(path);
        for (String e : others) {
            String p = path.replace("mp4", e);
            if (!out.contains(p)) out.add(p);
        }
        return out;
    }

    /** {@code get_video(cache_dir, doc["video"])}: {@code str(video)} with ".mp4" unless it ends so, then ".MP4". */
    private static List<String> nextqa(Map<String, Object> doc) {
        String name = str(doc, "video");
        List<String> out = new ArrayList<>();
        for (String suffix : List.of("mp4", "MP4")) {
            String p = "nextqa/NExTVideo/" + (name.endsWith(suffix) ? name : name + "." + suffix);
            if (!out.contains(p)) out.add(p);
        }
        return out;
    }

    private static String str(Map<String, Object> doc, String field) {
        return PyStr.str(doc.get(field));
    }
}
