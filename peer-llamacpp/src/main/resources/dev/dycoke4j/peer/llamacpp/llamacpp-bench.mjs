// The llama.cpp side of `dycoke bench --peer llamacpp`, run by Node.js from the folder where node-llama-cpp is
// installed. Args: <model.gguf> <threads> <context size>. It loads the model on the CPU (no GPU layers, flash attention
// on, exactly <threads> threads), prints {"ready": ...}, then answers one JSON line per request line on stdin:
// {"generate": N, "ids": [...]} -> {"prefill_s", "decode_s", "tokens"}: the prompt evaluated in one pass up to the first
// greedy token (the prefill), then N - 1 greedy tokens one by one (the decode), end-of-generation tokens ignored.
// Anything that goes wrong is one line {"error": message}. llama.cpp's own log goes to stderr.
import {getLlama, LlamaLogLevel} from "node-llama-cpp";
import {createInterface} from "node:readline";

const [modelPath, threadsArg, contextArg] = process.argv.slice(2);
const threads = Number(threadsArg), contextSize = Number(contextArg);
const say = (o) => process.stdout.write(JSON.stringify(o) + "\n");

let llama, model, context;
try {
    // maxThreads 0: the context's thread count is used as given, not capped by a pool of node-llama-cpp's own
    llama = await getLlama({gpu: false, build: "never", maxThreads: 0, logLevel: LlamaLogLevel.warn});
    model = await llama.loadModel({modelPath, gpuLayers: 0, useMmap: true});
    context = await model.createContext({contextSize, threads, flashAttention: true, sequences: 1});
} catch (e) {
    say({error: String(e && e.message || e)});
    process.exit(1);
}
const sequence = context.getSequence();
say({ready: true, llama_cpp: llama.llamaCppRelease.release, flash_attention: context.flashAttention,
    threads: context.currentThreads, context_size: context.contextSize, batch_size: context.batchSize});

async function generate(n, ids) {
    await sequence.clearHistory();
    const tokens = [];
    const t0 = process.hrtime.bigint();
    let t1 = t0;
    for await (const token of sequence.evaluate(ids, {temperature: 0, yieldEogToken: true})) {
        tokens.push(token);
        if (tokens.length === 1) t1 = process.hrtime.bigint();
        if (tokens.length >= n) break;
    }
    const t2 = process.hrtime.bigint();
    return {prefill_s: Number(t1 - t0) / 1e9, decode_s: Number(t2 - t1) / 1e9, tokens};
}

const lines = createInterface({input: process.stdin, terminal: false});
for await (const line of lines) {
    if (line === "quit") break;
    try {
        const req = JSON.parse(line);
        say(await generate(req.generate, req.ids));
    } catch (e) {
        say({error: String(e && e.message || e)});
    }
}
await context.dispose();
await model.dispose();
await llama.dispose();
