package dev.dycoke4j.eval.spark;

import dev.dycoke4j.compress.CompressionMethods;
import dev.dycoke4j.eval.CacheFiles;
import dev.dycoke4j.eval.run.Cell;
import dev.dycoke4j.eval.run.EvalRunner;
import dev.dycoke4j.eval.run.McScoring;
import dev.dycoke4j.eval.run.RunOptions;
import dev.dycoke4j.llm.KvCache;
import dev.dycoke4j.pipeline.LoadOptions;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the executors get rebuilds the driver's cells, options and load settings exactly, after Java serialization. */
class WorkerSpecTest {
    private static WorkerSpec roundTrip(WorkerSpec s) throws IOException, ClassNotFoundException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream o = new ObjectOutputStream(bytes)) {
            o.writeObject(s);
        }
        try (ObjectInputStream i = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (WorkerSpec) i.readObject();
        }
    }

    @Test
    void cellsOptionsAndLoadSettingsSurviveTheTrip() throws Exception {
        List<Cell> cells = EvalRunner.withNone(List.of(
                new Cell("dycoke", 0.25, CompressionMethods.parse("dycoke", Map.of("ratio", "0.25", "dp_l", "1"))),
                new Cell("fastv", 0.5, CompressionMethods.parse("fastv", Map.of("ratio", "0.5", "fastv_k", "1")))));
        RunOptions opts = new RunOptions(8, 4, McScoring.LOGLIK, 5, null);
        LoadOptions load = LoadOptions.q8().withWeightsCache(Path.of("/tmp/w")).withKvCache(KvCache.Precision.BF16);
        WorkerSpec back = roundTrip(WorkerSpec.of(Path.of("model"), load, 6, cells, opts));
        List<Cell> rebuilt = back.cellList();
        assertEquals(cells.size(), rebuilt.size());
        for (int i = 0; i < cells.size(); i++) {
            assertEquals(cells.get(i).id(), rebuilt.get(i).id());
            assertEquals(cells.get(i).compression().key(), rebuilt.get(i).compression().key(), "the same method with the same settings");
        }
        assertEquals(opts, back.options());
        LoadOptions l = back.load();
        assertEquals(LoadOptions.WeightFormat.Q8, l.weights());
        assertTrue(l.cacheWeights());
        assertEquals(Path.of("/tmp/w"), l.cacheDir());
        assertEquals(KvCache.Precision.BF16, l.kvCache());
        assertEquals(6, back.threads());
        assertEquals(Path.of("model").toAbsolutePath().toString(), back.model(), "the model path as every worker must see it");
    }

    @Test
    void cacheFilesAreRefusedInOneLine() {
        CacheFiles files = new CacheFiles() {
            @Override
            public String text(String path) {
                return "";
            }

            @Override
            public VideoProbe video(String path) {
                return null;
            }
        };
        RunOptions opts = new RunOptions(8, 4, McScoring.GENERATE, null, files);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> WorkerSpec.of(Path.of("m"), LoadOptions.asStored(), null, List.of(), opts));
        assertTrue(e.getMessage().contains("cannot read files below lmms-eval's cache"), e.getMessage());
    }
}
