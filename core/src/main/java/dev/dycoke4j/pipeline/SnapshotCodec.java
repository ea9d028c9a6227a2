package dev.dycoke4j.pipeline;

import dev.dycoke4j.cache.Codec;
import dev.dycoke4j.llm.KvSnapshot;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** A {@link KvSnapshot} as bytes, little-endian: layers, kvDim, tokens, the ids, then keys and values per layer. */
final class SnapshotCodec implements Codec<KvSnapshot> {
    static final SnapshotCodec INSTANCE = new SnapshotCodec();

    @Override
    public long bytes(KvSnapshot s) {
        return s.bytes();
    }

    @Override
    public byte[] write(KvSnapshot s) {
        int L = s.layers(), n = s.length(), D = s.kvDim();
        ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(12 + 4L * n + 8L * L * n * D)).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(L).putInt(D).putInt(n);
        b.asIntBuffer().put(s.tokens());
        int pos = 12 + 4 * n;
        for (int l = 0; l < L; l++) {
            b.position(pos).asFloatBuffer().put(s.keys()[l]);
            pos += 4 * n * D;
            b.position(pos).asFloatBuffer().put(s.values()[l]);
            pos += 4 * n * D;
        }
        return b.array();
    }

    @Override
    public KvSnapshot read(ByteBuffer b) {
        b = b.slice().order(ByteOrder.LITTLE_ENDIAN);
        int L = b.getInt(), D = b.getInt(), n = b.getInt();
        if (L < 1 || D < 1 || n < 0 || b.remaining() != 4L * n + 8L * L * n * D) throw new IllegalArgumentException("not a KV snapshot");
        int[] ids = new int[n];
        b.asIntBuffer().get(ids);
        int pos = 12 + 4 * n;
        float[][] k = new float[L][n * D], v = new float[L][n * D];
        for (int l = 0; l < L; l++) {
            b.position(pos).asFloatBuffer().get(k[l]);
            pos += 4 * n * D;
            b.position(pos).asFloatBuffer().get(v[l]);
            pos += 4 * n * D;
        }
        return new KvSnapshot(ids, D, k, v);
    }
}
