package dev.dycoke4j.tokenizer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Reads one I64 tensor from a safetensors file: an 8-byte little-endian header length, a JSON header naming each
 * tensor's dtype, shape and data offsets, then the raw little-endian data. A minimal test helper, not the engine's
 * loader.
 */
final class GoldenI64 {
    private GoldenI64() {}

    static long[] read(Path file, String name) throws IOException {
        try (FileChannel ch = FileChannel.open(file)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(len, 0);
            int headerLength = Math.toIntExact(len.flip().getLong());
            ByteBuffer header = ByteBuffer.allocate(headerLength);
            ch.read(header, 8);
            JsonNode entry = new ObjectMapper()
                    .readTree(new String(header.array(), StandardCharsets.UTF_8))
                    .get(name);
            if (entry == null || !"I64".equals(entry.path("dtype").asText())) {
                throw new IOException(file + " has no I64 tensor " + name);
            }
            long begin = entry.path("data_offsets").get(0).asLong();
            long end = entry.path("data_offsets").get(1).asLong();
            ByteBuffer data = ByteBuffer.allocate(Math.toIntExact(end - begin)).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(data, 8 + headerLength + begin);
            long[] out = new long[data.capacity() / 8];
            data.flip().asLongBuffer().get(out);
            return out;
        }
    }
}
