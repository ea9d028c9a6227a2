/**
 * lmms-eval's video tasks exactly as the copy vendored in DyCoke runs them: prompt building, the harness's output
 * strip, answer parsing, GPT-judge requests and reply parsing, and aggregation, with Python's string, number and
 * random semantics reproduced where they show in the results.
 */
package dev.dycoke4j.eval;
